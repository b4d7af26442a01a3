"""Benchmark: 120 certificates of attendance laid out together and written one PDF per
person (app.community.certificates.certificate_pdfs, what the organisers' ZIP uses),
against laying out each certificate alone (certificate_pdf, the participant's download).

Both build the same 120 PDFs in this run, side by side. Target: the batch takes at most
0.7 of the one-by-one time, and stays under 20 s for the 120 (a request's budget).
Run: .venv/bin/python -m bench.certificates [count]
"""

import sys
import time

from app.community.certificates import CertificateFacts, certificate_pdf, certificate_pdfs

TARGET_RATIO = 0.7
TARGET_SECONDS = 20.0


def sample(index: int) -> CertificateFacts:
    code = f"{index:024d}"
    return CertificateFacts(
        name=f"Participant Number {index}",
        gathering_title="Perinatal Community of Practice: Provincial Gathering 2022",
        date_label="Thursday, 20 October 2022",
        time_label="9:00 a.m. – 12:30 p.m. PT",
        format_label="online",
        minutes=195,
        duration_label="3 hours 15 minutes",
        credits_label="3.25 credits",
        statement="This Group Learning program is certified for up to 3.5 Mainpro+ credits.",
        issued_label="Tuesday, 1 December 2026",
        code=code,
        verify_url=f"https://gatherings.example/certificates/{code}",
    )


def main(count: int) -> bool:
    batch = [sample(i) for i in range(count)]
    certificate_pdf(batch[0])  # fonts and stylesheet loaded once before timing either
    start = time.perf_counter()
    alone = [certificate_pdf(facts) for facts in batch]
    alone_seconds = time.perf_counter() - start
    start = time.perf_counter()
    together = certificate_pdfs(batch)
    batch_seconds = time.perf_counter() - start
    assert len(alone) == len(together) == count
    ratio = batch_seconds / alone_seconds
    met = ratio <= TARGET_RATIO and batch_seconds <= TARGET_SECONDS
    each_alone = 1000 * alone_seconds / count
    each_together = 1000 * batch_seconds / count
    print(f"certificates:            {count}")
    print(f"one layout each:         {alone_seconds:.2f} s ({each_alone:.0f} ms each)")
    print(f"laid out together:       {batch_seconds:.2f} s ({each_together:.0f} ms each)")
    print(f"ratio together / alone:  {ratio:.2f} (target <= {TARGET_RATIO})")
    under = "yes" if batch_seconds <= TARGET_SECONDS else "no"
    print(f"together under {TARGET_SECONDS:.0f} s:     {under}")
    print(f"target met:              {'yes' if met else 'NO'}")
    return met


if __name__ == "__main__":
    sys.exit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 120) else 1)
