/**
 * SVG to PNG in the worker: resvg (Rust, compiled to WebAssembly: @resvg/resvg-wasm) with the
 * DejaVu Sans faces bundled (dejavu-fonts-ttf; wrangler.toml imports .ttf files as data), so no
 * font or anything else is fetched. resvg draws SVG text with real shaping (Arabic joins, right to
 * left runs) and needs no DOM; satori would add a JSX-to-SVG layout engine (yoga, another
 * WebAssembly module) that these fixed cards do not need, as card-svg.ts lays out their few lines.
 */
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgModule from "@resvg/resvg-wasm/index_bg.wasm";
import regularFont from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import boldFont from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import { CARD_FONT, type CardFonts } from "./card-svg";
import { readFont } from "./font-metrics";

let fonts: CardFonts | null = null;
/** The bundled faces' metrics, read once per isolate. */
export const cardFonts = (): CardFonts => (fonts ??= { regular: readFont(regularFont), bold: readFont(boldFont) });

let ready: Promise<void> | null = null;

/** The PNG of a card's SVG. The WebAssembly module is instantiated on the first card an isolate draws. */
export async function renderPng(svg: string): Promise<Uint8Array<ArrayBuffer>> {
  ready ??= initWasm(resvgModule).catch((error: unknown) => {
    ready = null;
    throw error;
  });
  await ready;
  const resvg = new Resvg(svg, {
    font: {
      fontBuffers: [new Uint8Array(regularFont), new Uint8Array(boldFont)],
      loadSystemFonts: false,
      defaultFontFamily: CARD_FONT,
    },
  });
  try {
    const image = resvg.render();
    try {
      return new Uint8Array(image.asPng());
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
