#!/usr/bin/env python3
"""Build the labelled accuracy set of insurable's inventory matching.

Reads the CISA ICS CSAF advisories of 2017-2022 (../shared/data/advisories)
and writes accuracy.csv: inventory rows for products the advisories name,
each labelled "inside" (the row's version is affected, so the advisory must
be reported) or "outside" (it is not, so the advisory must not be), with
vendor names spelled the way asset owners write them.

The versions and labels come from this script's own reading of the ranges,
written apart from insurable's Go code: it understands only the plainest
dialects (an exact version, "< X", "<= X", "vers:all/<X", "All versions < X",
">= A | <= B", ">= A < B", "vers:all/*", "All versions") and skips every
leaf it cannot read with certainty. An "outside" row is kept only when its
version is outside every leaf of the same product in the advisory, or inside
a leaf the advisory lists as known_not_affected.

Run from the repository root:  python3 vulnmatch/testdata/accuracy/build.py
"""
import csv, glob, json, os, random, re

SRC = os.path.join(os.path.dirname(__file__), '../../../../shared/data/advisories/cisa-ics-csaf')
OUT = os.path.join(os.path.dirname(__file__), 'accuracy.csv')
random.seed(20261127)

SUFFIXES = [' Inc.', ', Inc.', ' AG', ' GmbH', ' Co., Ltd.', ' Corporation', ' LLC', ' SE', ' Ltd']
RENAMES = {  # how an asset owner may write a vendor the advisory names otherwise
    '3S-Smart Software Solutions GmbH': ['CODESYS GmbH', 'CODESYS'],
    'General Electric (GE)': ['GE', 'General Electric'],
    'Schneider Electric Software, LLC': ['Schneider Electric', 'AVEVA'],
    'LS ELECTRIC, LS Industrial Systems (LSIS) Co. Ltd': ['LS Electric', 'LSIS'],
    'Rockwell Automation': ['Rockwell Automation, Inc.', 'Allen-Bradley'],
    'Mitsubishi Electric': ['Mitsubishi Electric Corporation', 'MITSUBISHI ELECTRIC CORP.', 'Mitsubishi'],
    'Siemens': ['Siemens AG', 'SIEMENS'],
    'Hitachi Energy': ['Hitachi Energy Ltd.', 'ABB Power Grids'],
    'Phillips': ['Philips'],
    'Becton, Dickinson and Company (BD)': ['BD', 'Becton Dickinson'],
    'Johnson Controls Inc': ['Johnson Controls', 'JCI'],
    'Schweitzer Engineering Laboratories, Inc. (SEL)': ['SEL'],
    'OSIsoft LLC': ['OSIsoft', 'AVEVA'],
}

def vendor_spelling(v):
    v = v.strip()
    if v in RENAMES and random.random() < 0.6:
        return random.choice(RENAMES[v])
    first = re.split(r',\s+(?![Ii]nc|LLC|Ltd)|\s+and\s+', v)[0].strip()
    r = random.random()
    if r < 0.25:
        return first.upper()
    if r < 0.55:
        return first + random.choice(SUFFIXES)
    return first

NUM = re.compile(r'^(?P<pre>[Vv]?\s?)(?P<nums>\d+(?:\.\d+)*)(?P<post>(?:\s+(?:SP|Update|Upd|HF)\s?\d+)*)$')

def product_spelling(product, vendor):
    """How an inventory may write an advisory's product name: as written,
    upper or lower case, hyphens as spaces, the vendor's name before it,
    parentheses dropped, or the first word (the brand) left out."""
    r = random.random()
    if r < 0.10:
        ws = product.split()
        if len(ws) > 2:  # the brand left out: "S7-1500 CPU 1515-2 PN"
            return ' '.join(ws[1:])
        return product
    if r < 0.45:
        return product
    if r < 0.55:
        return product.upper()
    if r < 0.65:
        return product.lower()
    if r < 0.75:
        return re.sub(r'(?<=\w)-(?=\w)', ' ', product)
    if r < 0.85:
        first = re.split(r',\s+|\s+and\s+', vendor)[0].strip()
        return first + ' ' + product
    without = re.sub(r'\s*\([^)]*\)', '', product).strip()
    return without or product

def version_spelling(v):
    """The same version written another way: a V prefix added or dropped,
    Update spelled Upd, a trailing .0 added."""
    r = random.random()
    if r < 0.2 and v[:1] in 'Vv':
        return v[1:].lstrip()
    if r < 0.4 and v[:1].isdigit():
        return 'V' + v
    if r < 0.5 and ' Update ' in v:
        return v.replace(' Update ', ' Upd ')
    if r < 0.6 and re.fullmatch(r'[Vv]?\d+\.\d+', v):
        return v + '.0'
    return v

def parse_plain(v):
    v = v.strip()
    m = NUM.match(v)
    if not m:
        return None
    return m

def bump(v, delta):
    """v with its last number changed by delta, or None."""
    m = parse_plain(v)
    if not m:
        return None
    pre, nums, post = m['pre'], m['nums'], m['post']
    if post.strip():
        parts = re.split(r'(\d+)$', post)
        n = int(parts[1]) + delta
        if n < 0:
            return None
        return pre + nums + parts[0] + str(n)
    comps = nums.split('.')
    last = comps[-1]
    n = int(last) + delta
    if n < 0:
        if delta < 0 and len(comps) > 1 and int(comps[-2]) > 0:
            comps[-2] = str(int(comps[-2]) - 1)
            comps[-1] = '9' * max(1, len(last))
            return pre + '.'.join(comps)
        return None
    comps[-1] = str(n).zfill(len(last))
    return pre + '.'.join(comps)

def key(v):
    """Comparable key of a plain version: numbers then SP/Update numbers."""
    m = parse_plain(v)
    if not m:
        return None
    nums = [int(x) for x in m['nums'].split('.')]
    nums += [0] * (6 - len(nums))
    extra = [int(x) for x in re.findall(r'\d+', m['post'])]
    return nums[:6] + extra + [0] * (3 - len(extra))

def interval(rng):
    """(lo, lo_inclusive, hi, hi_inclusive) of a range, None bounds open; 'all'; or None when unclear."""
    s = rng.strip()
    s = re.sub(r'^vers:all/', '', s)
    s = re.sub(r'^(All versions|All Versions)\s*', '', s)
    if s in ('*', ''):
        return 'all'
    m = re.fullmatch(r'(<=?)\s*(\S.*)', s)
    if m and key(m[2]):
        return (None, False, m[2], m[1] == '<=')
    m = re.fullmatch(r'>=\s*(\S+)\s*\|\s*<=\s*(\S+)', s)
    if m and key(m[1]) and key(m[2]):
        return (m[1], True, m[2], True)
    m = re.fullmatch(r'>=\s*(\S+)\s+<\s*(\S+)', s)
    if m and key(m[1]) and key(m[2]):
        return (m[1], True, m[2], False)
    return None

def inside(iv, v):
    if iv == 'all':
        return True
    lo, loi, hi, hii = iv
    k = key(v)
    if lo is not None and (k < key(lo) or (k == key(lo) and not loi)):
        return False
    if hi is not None and (k > key(hi) or (k == key(hi) and not hii)):
        return False
    return True

def norm_product(vendor, product):
    """A product name without the vendor's name before it, parentheses,
    "Firmware" or "Series", case and punctuation."""
    p = re.sub(r'\([^)]*\)', ' ', product)
    p = re.sub(r':.*$', '', p)
    words = re.findall(r'[a-z0-9]+', p.lower())
    vw = re.findall(r'[a-z0-9]+', re.split(r',', vendor)[0].lower())
    if vw and words[:len(vw)] == vw:
        words = words[len(vw):]
    while words and words[-1] in ('firmware', 'series', 'software'):
        words.pop()
    return ''.join(words)

def same_product(a, b):
    return norm_product(a['vendor'], a['product']) == norm_product(b['vendor'], b['product'])

def leaves(d):
    out = []
    for vb in d.get('product_tree', {}).get('branches', []):
        for pb in vb.get('branches', []):
            for lb in pb.get('branches', []):
                p = lb.get('product', {})
                out.append(dict(vendor=vb['name'], product=pb['name'], cat=lb['category'], text=lb['name'],
                                id=p.get('product_id'), models=p.get('product_identification_helper', {}).get('model_numbers', [])))
    return out

rows = []
for f in sorted(glob.glob(os.path.join(SRC, '*', '*.json'))):
    year = int(os.path.basename(os.path.dirname(f)))
    if not 2017 <= year <= 2022:
        continue
    d = json.load(open(f))
    adv = d['document']['tracking']['id']
    affected, not_affected = set(), set()
    for v in d.get('vulnerabilities', []):
        ps = v.get('product_status', {})
        affected |= set(ps.get('known_affected', []))
        not_affected |= set(ps.get('known_not_affected', []))
    ls = leaves(d)
    for l in ls:
        # How this script reads the leaf: an interval, 'all', or None.
        if l['cat'] == 'product_version' and key(l['text']):
            l['iv'] = (l['text'], True, l['text'], True)
        elif l['cat'] == 'product_version_range' or l['text'].startswith('vers:'):
            l['iv'] = interval(l['text'])
        else:
            l['iv'] = None
    for l in ls:
        if l['id'] not in affected or l['iv'] is None:
            continue
        same = [x for x in ls if same_product(x, l)]
        if any(x['iv'] is None for x in same):
            continue  # a sibling this script cannot read: no certain label
        iv = l['iv']
        # A version inside.
        if iv == 'all':
            cand = ['1.0', 'V2.1', '3.4.2']
        else:
            lo, loi, hi, hii = iv
            cand = []
            if hi is not None:
                cand.append(hi if hii else bump(hi, -1))
            if lo is not None:
                cand.append(lo if loi else bump(lo, +1))
        cand = [c for c in cand if c and key(c) and inside(iv, c)]
        if cand:
            v = random.choice(cand)
            # Inside for an affected leaf and not inside a not-affected one.
            if not any(x['id'] in not_affected and x['iv'] != 'all' and inside(x['iv'], v) for x in same):
                rows.append((adv, l, v, 'inside'))
        # A version outside every affected leaf of the product.
        if iv == 'all':
            continue
        lo, loi, hi, hii = iv
        cand = []
        if hi is not None:
            cand += [bump(hi, +1) if hii else hi]
        if lo is not None:
            cand += [bump(lo, -1) if loi else lo]
        for v in cand:
            if not v or not key(v):
                continue
            if any(x['id'] in affected and (x['iv'] == 'all' or inside(x['iv'], v)) for x in same):
                continue
            rows.append((adv, l, v, 'outside'))
            break

random.shuffle(rows)
rows = rows[:6000]
rows.sort(key=lambda r: (r[0], r[1]['id'], r[3]))
with open(OUT, 'w', newline='') as fh:
    w = csv.writer(fh)
    w.writerow(['asset_id', 'vendor', 'product', 'model', 'version', 'advisory_id', 'label', 'advisory_vendor', 'advisory_range'])
    for i, (adv, l, v, label) in enumerate(rows):
        product = product_spelling(l['product'], l['vendor'])
        model = l['models'][0] if l['models'] and random.random() < 0.5 else ''
        w.writerow([f'R{i:05d}', vendor_spelling(l['vendor']), product, model, version_spelling(v), adv, label, l['vendor'], l['text']])
print(len(rows), 'rows:', sum(r[3] == 'inside' for r in rows), 'inside,', sum(r[3] == 'outside' for r in rows), 'outside')
