"""The pydicom peer of scan.bench.ts: reads every file under a folder with
dcmread(stop_before_pixels=True), groups the CT images by Series Instance UID and sorts each series by
Image Position along the slice normal (what a header-only scan does), then prints one JSON line with the
time and the peak RSS of this process.

    python3 scan_pydicom.py <folder>
"""
import json
import os
import resource
import sys
import time

import pydicom


def peak_rss_mb():
    """VmHWM of /proc/self/status: getrusage's ru_maxrss keeps, over exec, the peak of the process that
    forked this one (the benchmark's Node process)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    folder = sys.argv[1]
    t0 = time.perf_counter()
    files = []
    for root, _dirs, names in os.walk(folder):
        for n in names:
            files.append(os.path.join(root, n))
    files.sort()
    series = {}
    errors = 0
    for f in files:
        try:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
        except Exception:  # noqa: BLE001 - a peer counts unreadable files, as the scan lists them
            errors += 1
            continue
        if getattr(ds, 'Modality', None) != 'CT':
            errors += 1
            continue
        uid = getattr(ds, 'SeriesInstanceUID', f)
        iop = getattr(ds, 'ImageOrientationPatient', None)
        ipp = getattr(ds, 'ImagePositionPatient', None)
        pos = 0.0
        if iop is not None and ipp is not None and len(iop) == 6 and len(ipp) == 3:
            r, c = [float(x) for x in iop[:3]], [float(x) for x in iop[3:]]
            n = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
            pos = sum(float(p) * q for p, q in zip(ipp, n))
        series.setdefault(uid, []).append((pos, f))
    for v in series.values():
        v.sort()
    seconds = time.perf_counter() - t0
    print(json.dumps({
        'files': len(files),
        'series': len(series),
        'errors': errors,
        'seconds': seconds,
        'filesPerSecond': len(files) / seconds,
        'peakRssMb': peak_rss_mb(),
        'pydicom': pydicom.__version__,
    }))


if __name__ == '__main__':
    main()
