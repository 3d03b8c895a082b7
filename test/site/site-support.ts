export { captureItems, type EdgePaper, ingestHfDaily, insertPapers } from "../support/catalog";
export {
  get,
  JSON_LD_BLOCK,
  ORIGIN,
  request,
  THUMBNAIL_TAG,
  VOTES_SCRIPT_TAG,
  withoutJsonLd,
  withoutThumbnails,
  withoutVotesScript,
} from "../support/request";

/**
 * A D1 binding that counts what a request asks of the database: `queries`, the statements it
 * prepares, `roundTrips`, the calls that go to the database (a statement run, or one batch of any
 * number of statements), and `received`, the characters of what they answered (as JSON).
 */
export function countingD1(db: D1Database) {
  const counter = { queries: 0, roundTrips: 0, received: 0 };
  const counted = async (answer: unknown) => {
    const value = await answer;
    counter.received += JSON.stringify(value ?? null, (key, v) => (key === "meta" ? undefined : v)).length;
    return value;
  };
  const statement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => statement(value.apply(target, args));
        if (prop === "all" || prop === "first" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => {
            counter.roundTrips++;
            return counted(value.apply(target, args));
          };
        }
        return value.bind(target);
      },
    });
  const binding = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "prepare") {
        return (...args: unknown[]) => {
          counter.queries++;
          return statement((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args));
        };
      }
      if (prop === "exec" || prop === "batch") {
        return (...args: unknown[]) => {
          if (prop === "exec") counter.queries++;
          counter.roundTrips++;
          return counted((value as (...a: unknown[]) => unknown).apply(target, args));
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { binding, counter };
}
