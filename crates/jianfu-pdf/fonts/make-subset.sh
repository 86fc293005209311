#!/usr/bin/env bash
# Developer-only: rebuilds the three font files this crate embeds with include_bytes!.
# Never run at build or run time; the committed .otf files are its output.
#
#   pip install fonttools                  # 4.x
#   bash crates/jianfu-pdf/fonts/make-subset.sh
#
# Source: Debian's fonts-noto-cjk package (Noto Serif/Sans CJK SC 2.001, SIL OFL 1.1,
# see OFL.txt), fetched with `apt-get download` into a scratch folder.
#
# Why subsets: the full collections are ~200 MB. The certificate needs Simplified Chinese only:
#   NotoSerifCJKsc-Regular-GBK.otf      body (宋体 role): every GBK character — all 20,902
#                                       CJK Unified Ideographs U+4E00–U+9FA5 plus GBK symbols —
#                                       so uncommon name characters still print; + ASCII, CJK
#                                       punctuation, full-width forms.
#   NotoSerifCJKsc-Bold-GB2312L1.otf    title (小标宋 role): GB2312 symbols + level-1 hanzi (3,755
#                                       most common); a title needing anything rarer is set in the
#                                       body face with a synthetic bold (see src/fonts.rs).
#   NotoSansMonoCJKsc-Bold-ASCII.otf    verification code: printable ASCII only, fixed pitch.
# Layout tables (GSUB/GPOS…) and hints are dropped: the crate places one glyph per character
# itself and the output is for print.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download fonts-noto-cjk >/dev/null && dpkg-deb -x fonts-noto-cjk_*.deb x)
src="$work/x/usr/share/fonts/opentype/noto"

python3 - "$src" "$here" <<'PY'
import os, sys
from fontTools.ttLib import TTCollection
from fontTools import subset

src, out = sys.argv[1], sys.argv[2]

def codec_chars(codec, leads, trails):
    chars = set()
    for a in leads:
        for b in trails:
            try:
                s = bytes([a, b]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                chars.add(ord(s))
    return chars

base = (set(range(0x20, 0x7F))          # ASCII
        | set(range(0x2010, 0x2028))    # general punctuation: dashes, quotes, ellipsis
        | set(range(0x3000, 0x3040))    # CJK symbols and punctuation
        | set(range(0xFF01, 0xFF5F))    # full-width forms
        | {0x00B7, 0x00D7, 0x00F7, 0x25CB, 0xFFE5})
gbk = codec_chars('gbk', range(0x81, 0xFF), range(0x40, 0xFF))
# GB2312 rows 0xA1–0xA9 are symbols, rows 0xB0–0xD7 are level-1 hanzi.
gb2312_l1 = codec_chars('gb2312', list(range(0xA1, 0xAA)) + list(range(0xB0, 0xD8)), range(0xA1, 0xFF))

def face(collection, postscript_name):
    for font in TTCollection(os.path.join(src, collection)).fonts:
        if font['name'].getDebugName(6) == postscript_name:
            return font
    raise SystemExit(f'{postscript_name} not found in {collection}')

def make(collection, postscript_name, chars, filename):
    font = face(collection, postscript_name)
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]   # keep copyright and licence records
    opts.drop_tables += ['GSUB', 'GPOS', 'GDEF', 'BASE', 'VORG', 'vhea', 'vmtx', 'DSIG']
    s = subset.Subsetter(opts)
    s.populate(unicodes=chars)
    s.subset(font)
    path = os.path.join(out, filename)
    font.save(path)
    print(f'{filename}: {len(font.getBestCmap())} characters, {os.path.getsize(path)} bytes')

make('NotoSerifCJK-Regular.ttc', 'NotoSerifCJKsc-Regular', gbk | base, 'NotoSerifCJKsc-Regular-GBK.otf')
make('NotoSerifCJK-Bold.ttc', 'NotoSerifCJKsc-Bold', gb2312_l1 | base, 'NotoSerifCJKsc-Bold-GB2312L1.otf')
make('NotoSansCJK-Bold.ttc', 'NotoSansMonoCJKsc-Bold', set(range(0x20, 0x7F)), 'NotoSansMonoCJKsc-Bold-ASCII.otf')
PY
