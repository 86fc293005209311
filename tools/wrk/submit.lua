-- wrk script: submits one catalog item (A12, 2 communities, with funding) as 民政局 per request.
-- Usage (see docs/performance.md, 议题 10 §5):
--   TOKEN=... wrk -t2 -c16 -d10s --latency -s tools/wrk/submit.lua http://127.0.0.1:8181/api/v1/assignments
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = [[{"department":"110115-MZJ","item_code":"A12","title":"协助做好社会救助对象入户核查",
"legal_basis":["《社会救助暂行办法》第十一条"],"community_role":"assist",
"communities":["110115001901","110115001902"],"period":{"from":"2026-12-01","to":"2026-12-31"},
"funding":{"amount_yuan":"1200","channel":"区财政专项"},"burdens":[],"authority":"入户核查、宣传告知"}]]

-- wrk itself reports "Non-2xx or 3xx responses" when any submission failed.
