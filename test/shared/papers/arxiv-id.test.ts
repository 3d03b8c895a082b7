import { describe, expect, it } from "vitest";
import { parseArxivId } from "#shared/papers/records";

describe("parseArxivId: an id in any form people paste", () => {
  it.each([
    ["2606.00467", "2606.00467", null],
    ["  2606.00467v2 ", "2606.00467", 2],
    ["arXiv:2606.00467", "2606.00467", null],
    ["https://arxiv.org/abs/2606.00467v3", "2606.00467", 3],
    ["arxiv.org/abs/2606.00467", "2606.00467", null],
    ["https://www.arxiv.org/pdf/2606.00467v2.pdf", "2606.00467", 2],
    ["http://arxiv.org/pdf/2606.00467", "2606.00467", null],
    ["https://arxiv.org/html/2606.00467v1", "2606.00467", 1],
    ["https://arxiv.org/abs/2606.00467?context=cs#x", "2606.00467", null],
    ["hep-th/9901001", "hep-th/9901001", null],
    ["https://arxiv.org/abs/math.GT/0309136v1", "math.GT/0309136", 1],
    ["oai:arXiv.org:2606.00467", "2606.00467", null],
  ])("%s", (raw, id, version) => {
    expect(parseArxivId(raw)).toEqual({ id, version });
  });

  it.each([
    "",
    "2606.004",
    "https://example.org/abs/2606.00467",
    "arxiv.org/list/cs.LG/new",
    "2606.00467v",
    "not an id",
    "../2606.00467",
  ])("refuses %j", (raw) => {
    expect(parseArxivId(raw)).toBeNull();
  });
});
