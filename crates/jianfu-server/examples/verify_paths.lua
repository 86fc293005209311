-- wrk script: requests each path of a file in turn (one per line), so that every certificate is
-- verified once before any is verified twice. Usage: wrk ... -s verify_paths.lua URL -- FILE
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  -- Each wrk thread starts at its own offset.
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
