import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

// The Chromium the browser tests drive comes from the npm registry (@sparticuz/chromium, a
// headless-shell build for Linux x64 shipped brotli-packed inside the package): `npm install` is
// all a machine needs. CHROMIUM_PATH, when set, wins (a developer's own Chrome, another OS).
const PACKAGE_DIR = join(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")), "..");
const VERSION: string = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")).version;

// Unpacked by the package's own code in a child process whose TMPDIR is a fresh folder (the package
// writes to os.tmpdir()), then renamed into place: a half-unpacked binary is never found, two runs
// at once do not trip on each other, and another version's /tmp/chromium is never picked up. Beside
// the binary: the fonts it ships (Open Sans, so text is readable on a machine without any) and, from
// its Amazon Linux folder, the NSS and expat libraries it links against.
const UNPACK = `
import chromium, { inflate } from "@sparticuz/chromium";
await chromium.executablePath();
await inflate(${JSON.stringify(join(PACKAGE_DIR, "bin/al2023.tar.br"))});
`;

function unpackedChromium(): string {
  const dir = join(tmpdir(), `paperboy-chromium-${VERSION}`);
  if (existsSync(dir)) return dir;
  const staging = mkdtempSync(`${dir}.partial-`);
  try {
    execFileSync(process.execPath, ["--input-type=module", "-e", UNPACK], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, TMPDIR: staging },
      stdio: ["ignore", "ignore", "inherit"],
    });
    // The package's fonts.conf names /tmp/fonts; this one names where its fonts are, then the
    // system's fonts where there are any (Open Sans has no arrows: the vote button's ▲, ← and →).
    const fontsConf = [
      `<?xml version="1.0"?>`,
      `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`,
      `<fontconfig>`,
      `  <dir>${dir}/fonts/fonts</dir>`,
      `  <cachedir>${dir}/fonts-cache</cachedir>`,
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>`,
      `</fontconfig>`,
    ];
    writeFileSync(join(staging, "fonts/fonts.conf"), `${fontsConf.join("\n")}\n`);
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

/** The Chromium binary and the environment it needs: the package's, unless CHROMIUM_PATH says. */
export function chromiumExecutable(): { path: string; env?: Record<string, string> } {
  if (process.env.CHROMIUM_PATH) return { path: process.env.CHROMIUM_PATH };
  if (process.platform !== "linux" || process.arch !== "x64") {
    const here = `${process.platform}-${process.arch}`;
    throw new Error(`@sparticuz/chromium is for Linux x64 only: on ${here}, set CHROMIUM_PATH to a Chrome`);
  }
  const dir = unpackedChromium();
  const libs = [join(dir, "al2023/lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return { path: join(dir, "chromium"), env: { FONTCONFIG_PATH: join(dir, "fonts"), LD_LIBRARY_PATH: libs } };
}

/**
 * Chromium, headless, with the flags that keep it off the network. Not the package's own `args`:
 * they are for AWS Lambda, and their --single-process kills the browser as soon as a second
 * context opens after the first closed (every test file here opens several); they also carry
 * --disable-web-security, which would hide the very CSP and same-origin failures the tests look for.
 * --no-sandbox because CI and these machines run as root.
 */
export function launchChromium(): Promise<Browser> {
  const { path, env } = chromiumExecutable();
  return chromium.launch({
    executablePath: path,
    env: env && { ...process.env, ...env },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
