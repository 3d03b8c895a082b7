export { captureItems, ingestHfDaily, insertPapers, type EdgePaper } from "../support/catalog";
export { get, JSON_LD_BLOCK, ORIGIN, request, VOTES_SCRIPT_TAG, withoutJsonLd, withoutVotesScript } from "../support/request";

/** A D1 binding that counts the statements prepared through it. */
export function countingD1(db: D1Database) {
  const counter = { queries: 0 };
  const binding = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "prepare" || prop === "exec") {
        return (...args: unknown[]) => {
          counter.queries++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { binding, counter };
}
