// What wrangler's module rules make of non-JavaScript imports: a .wasm file is a compiled module
// (its default rule), a .ttf file its bytes (the Data rule in wrangler.toml).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
declare module "*.ttf" {
  const bytes: ArrayBuffer;
  export default bytes;
}
