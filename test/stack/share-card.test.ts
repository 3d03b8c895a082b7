import ogs from "open-graph-scraper";
import { expect, inject, it } from "vitest";
import { darkPixels, decodePng } from "../support/png";

// A link preview as an unfurler makes it: a paper page's HTML read by open-graph-scraper (given the
// HTML, so it fetches nothing itself), then the image it names fetched from the local stack.
const baseUrl = inject("baseUrl");

it("gives a link-preview parser a paper page's title, description and a share card that loads", async () => {
  const id = "2606.00467";
  const { title } = (await (await fetch(`${baseUrl}/api/papers/${id}`)).json()) as { title: string };
  const html = await (await fetch(`${baseUrl}/papers/${id}`)).text();
  const data = await ogs({ html });
  if (data.error) throw new Error(`open-graph-scraper failed: ${JSON.stringify(data.result)}`);
  const { result } = data;
  expect(result.ogTitle).toBe(title);
  expect(result.ogDescription?.length).toBeGreaterThan(50);
  expect(result.twitterCard).toBe("summary_large_image");
  const [image] = result.ogImage ?? [];
  expect(image?.url).toMatch(new RegExp(`/papers/${id}/card-[0-9a-f]{8}\\.png$`));
  expect([Number(image?.width), Number(image?.height)]).toEqual([1200, 630]);
  expect(image?.type).toBe("image/png");

  const res = await fetch(`${baseUrl}${new URL(image!.url).pathname}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("image/png");
  expect(res.headers.get("Cache-Control")).toContain("immutable");
  const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
  expect([png.width, png.height]).toEqual([1200, 630]);
  expect(darkPixels(png)).toBeGreaterThan(3000);
});
