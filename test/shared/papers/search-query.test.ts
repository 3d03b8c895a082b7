import { describe, expect, it } from "vitest";
import { ftsString, isSearchable, onlyExclusions, parseQuery, pastedArxivId } from "#shared/papers/search-query";

describe("reading a search query", () => {
  it("reads a pasted arXiv id or address as that paper", () => {
    for (const text of [
      "2606.00467",
      " 2606.00467v2 ",
      "arXiv:2606.00467",
      "https://arxiv.org/abs/2606.00467v3",
      "arxiv.org/pdf/2606.00467.pdf",
      "https://huggingface.co/papers/2606.00467",
      "huggingface.co/papers/2606.00467?x=1",
    ])
      expect(pastedArxivId(text), text).toBe("2606.00467");
    expect(parseQuery("hep-th/9901001").arxivId).toBe("hep-th/9901001");
    expect(pastedArxivId("see 2606.00467")).toBeNull();
    expect(pastedArxivId("https://example.com/abs/2606.00467")).toBeNull();
    expect(pastedArxivId("diffusion")).toBeNull();
  });

  it("reads quoted text as a phrase, a leading - as an exclusion, and drops stopwords from the words", () => {
    const q = parseQuery('"Mixture of Experts" for sparse routing -vision -Image-Text');
    expect(q.phrases).toEqual([["mixture", "of", "experts"]]);
    expect(q.words).toEqual(["mixture", "experts", "sparse", "routing"]);
    expect(q.excluded).toEqual(["vision", "image", "text"]);
    // unquoted neighbours (at most one stopword between) are phrases that count extra
    expect(q.pairs).toEqual([["sparse", "routing"]]);
    expect(parseQuery("state of the art models").pairs).toEqual([["art", "models"]]);
    expect(parseQuery("mixture of experts").pairs).toEqual([["mixture", "of", "experts"]]);
    // a query of stopwords only still searches them
    expect(parseQuery("the of").words).toEqual(["the", "of"]);
    // a hyphen inside a word is no exclusion
    expect(parseQuery("GPT-4 self-play").excluded).toEqual([]);
  });

  it("never lets FTS5 syntax through: operators, columns, NEAR, stars and unbalanced quotes are plain words", () => {
    const q = parseQuery('title:foo NEAR(bar baz) AND qux* OR "unclosed phrase');
    expect(q.words).toEqual(["title", "foo", "near", "bar", "baz", "qux", "unclosed", "phrase"]);
    expect(q.phrases).toEqual([]);
    for (const t of [...q.words, ...q.pairs.flat()]) expect(ftsString(t)).toMatch(/^"[\p{L}\p{N} ]+"$/u);
    // balanced quotes around syntax: a phrase of its words
    expect(parseQuery('"a* OR b"').phrases).toEqual([["a", "or", "b"]]);
    expect(parseQuery('"""').words).toEqual([]);
  });

  it("tells an empty query and one of only exclusions apart from a searchable one", () => {
    for (const text of ["", "   ", '🦙 ( ) " *', "\u0001\u0002", "-"]) {
      expect(isSearchable(parseQuery(text)), text).toBe(false);
      expect(onlyExclusions(parseQuery(text)), text).toBe(false);
    }
    expect(onlyExclusions(parseQuery("-diffusion -model"))).toBe(true);
    expect(isSearchable(parseQuery("شبكة عصبية"))).toBe(true);
    expect(parseQuery("a ".repeat(100) + "b ".repeat(100)).words.length).toBeLessThanOrEqual(32);
    expect(parseQuery(Array.from({ length: 100 }, (_, i) => `word${i}`).join(" ")).words).toHaveLength(32);
  });
});
