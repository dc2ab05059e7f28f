/**
 * One HTTP exchange, its whole answer buffered: undici's dispatcher API with a handler that
 * collects the body. undici's request() wraps every answer in a Readable stream that we only ever
 * read to the end; that stream costs about as much CPU as the rest of the exchange (35 vs 56–74 µs
 * per call at 10 in flight), and the API makes one such call per order, the inventory reservation
 * (bench/README.md, "Orders: the floor without the inventory call").
 */
import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** What came back. */
export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

/** Send one request; rejects with undici's error, or with `signal.reason` once the signal fires. */
export function exchangeHttp(url: string, init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal }, dispatcher: Dispatcher = getGlobalDispatcher()): Promise<HttpAnswer> {
  const { signal } = init;
  if (signal.aborted) return Promise.reject(signal.reason);
  const target = new URL(url);
  return new Promise<HttpAnswer>((resolve, reject) => {
    let abortExchange: ((reason: Error) => void) | undefined;
    let settled = false;
    let status = 0;
    const headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    const onAbort = () => abortExchange?.(signal.reason as Error);
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(
      { origin: target.origin, path: `${target.pathname}${target.search}`, method: init.method as Dispatcher.HttpMethod, headers: init.headers, body: init.body ?? null },
      {
        onConnect(abort) {
          abortExchange = abort as (reason: Error) => void;
          if (signal.aborted) abortExchange(signal.reason as Error);
        },
        onHeaders(statusCode, raw) {
          status = statusCode;
          for (let i = 0; i + 1 < raw.length; i += 2) {
            const name = String(raw[i]).toLowerCase();
            const value = String(raw[i + 1]);
            headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
          }
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          settle(() => resolve({ status, headers, text: Buffer.concat(chunks).toString('utf8') }));
        },
        onError(err) {
          settle(() => reject(signal.aborted ? signal.reason : err));
        },
      },
    );
  });
}
