"""Reading a CSV answer as a spreadsheet does: UTF-8 after its byte-order mark."""

import csv
import io

import httpx


def read_csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
