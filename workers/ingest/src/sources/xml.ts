import { XMLParser, XMLValidator } from "fast-xml-parser";

const ALWAYS_ARRAYS = new Set(["entry", "item", "author", "category", "link"]);

// Namespace prefixes are dropped (arxiv:comment -> comment, dc:creator -> creator): the feeds
// declare them inconsistently across years (per element in 2016, once per feed today).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ALWAYS_ARRAYS.has(name),
});

export class MalformedUpstream extends Error {}

export type XmlNode = Record<string, unknown>;

export function parseXml(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new MalformedUpstream(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  }
  return parser.parse(xml) as XmlNode;
}

/** Text of an element that may carry attributes ({"#text": ...}) or be absent. */
export function text(node: unknown): string | undefined {
  if (typeof node === "string") return node;
  if (node && typeof node === "object" && "#text" in node) return String((node as XmlNode)["#text"]);
  return undefined;
}

export function attr(node: unknown, name: string): string | undefined {
  if (node && typeof node === "object") {
    const v = (node as XmlNode)[`@${name}`];
    return typeof v === "string" ? v : undefined;
  }
  return undefined;
}

export function list(node: unknown): unknown[] {
  return Array.isArray(node) ? node : node === undefined ? [] : [node];
}

/** Code and project links that authors put in arXiv's comment field. */
export function linksFromComment(comment: string | undefined): { codeUrl?: string; projectUrl?: string } {
  if (!comment) return {};
  const urls = comment.match(/https?:\/\/[^\s,;)]+/g) ?? [];
  const clean = (u: string) => u.replace(/[.]+$/, "");
  const code = urls.find((u) => /^https?:\/\/(www\.)?(github\.com|gitlab\.com)\//i.test(u));
  const project = urls.find(
    (u) => u !== code && /project|page|\.github\.io/i.test(comment.slice(0, comment.indexOf(u)) + u),
  );
  return { codeUrl: code && clean(code), projectUrl: project && clean(project) };
}

export const isWithdrawn = (comment: string | undefined) => !!comment && /\bwithdrawn\b/i.test(comment);
