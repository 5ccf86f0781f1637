"""Why FieldKit reads EXIF itself: exifread 3.5.1 against the corpus ground truth.

Run: .venv/bin/pip install exifread && .venv/bin/python tests/benchmarks/compare_exifread.py
Prints crashes and per-field agreement with exiftool (the bar for our reader is 99.5 %).
"""
import json, exifread, logging
logging.disable(logging.CRITICAL)
import pathlib
CORPUS = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
root = str(CORPUS / "files") + "/"
rows=[json.loads(l) for l in open(CORPUS / "ground_truth.jsonl")]
def rat(v):
    try: return float(v.num)/float(v.den)
    except Exception: return None
def deg(vals, ref):
    try:
        d,m,s=[rat(x) for x in vals.values]
        v=d+m/60+s/3600
        return -v if str(ref).strip() in ("S","W") else v
    except Exception: return None
stats={k:[0,0] for k in ("lat","lon","alt","dto","make","model")}; crashes=0; empty=0
for r in rows:
    try:
        with open(root+r["path"],"rb") as f: tags=exifread.process_file(f, details=False)
    except Exception as e:
        crashes+=1; tags={}
    if not tags: empty+=1
    g=lambda k: tags.get(k)
    lat=deg(g("GPS GPSLatitude"), g("GPS GPSLatitudeRef")) if g("GPS GPSLatitude") else None
    lon=deg(g("GPS GPSLongitude"), g("GPS GPSLongitudeRef")) if g("GPS GPSLongitude") else None
    alt=None
    if g("GPS GPSAltitude"):
        alt=rat(g("GPS GPSAltitude").values[0]); 
        if g("GPS GPSAltitudeRef") and str(g("GPS GPSAltitudeRef"))=="1" and alt: alt=-alt
    dto=str(g("EXIF DateTimeOriginal")) if g("EXIF DateTimeOriginal") else None
    mk=str(g("Image Make")).strip() if g("Image Make") else None
    md=str(g("Image Model")).strip() if g("Image Model") else None
    for key,mine,gt,ok in (("lat",lat,r["GPSLatitude"],lambda a,b: a is not None and abs(a-b)<1e-6),
                           ("lon",lon,r["GPSLongitude"],lambda a,b: a is not None and abs(a-b)<1e-6),
                           ("alt",alt,r["GPSAltitude"],lambda a,b: a is not None and abs(a-b)<0.1),
                           ("dto",dto,r["DateTimeOriginal"],lambda a,b: a is not None and a[:19]==str(b)[:19]),
                           ("make",mk,r["Make"],lambda a,b: a==str(b).strip()),
                           ("model",md,r["Model"],lambda a,b: a==str(b).strip())):
        if gt is None or (key in("lat","lon","alt") and r.get("gps_invalid")): continue
        stats[key][0]+=1; stats[key][1]+= bool(ok(mine,gt))
print("exifread", exifread.__version__ if hasattr(exifread,'__version__') else '', "crashes",crashes,"no tags",empty)
for k,(n,a) in stats.items(): print(f"{k:6} {a}/{n} {100*a/n:.1f}%")
