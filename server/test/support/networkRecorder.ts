// `import x = require()`: the modules themselves, whose functions the recorders replace (not esModuleInterop's read-only copies).
import dns = require('node:dns');
import http = require('node:http');
import https = require('node:https');
import net = require('node:net');

/**
 * For the no-network tests: every door out of this process that JavaScript goes through
 * (socket connects, name look-ups, http(s) requests, fetch) replaced by a recorder that notes
 * the call and refuses it, until `restore()`. Native code (onnxruntime) is not covered: its
 * telemetry is off by ORT_DISABLE_TELEMETRY, set before it loads.
 */

export interface NetworkRecorder {
  /** One line per attempt: which door, and where to. */
  readonly attempts: string[];
  restore(): void;
}

type Patch = { target: object; key: string; original: unknown };

function describe(args: unknown[]): string {
  return args
    .filter((a) => typeof a !== 'function')
    .map((a) => (typeof a === 'string' ? a : a instanceof URL ? a.href : JSON.stringify(a, (_k, v) => (typeof v === 'object' && v !== null && Object.keys(v).length > 8 ? '[object]' : v))))
    .join(' ');
}

/** A further door to record: `target[key]`, a function, named `door` in the attempts. */
export interface ExtraDoor {
  target: object;
  key: string;
  door: string;
}

export function recordNetwork(extra: readonly ExtraDoor[] = []): NetworkRecorder {
  const attempts: string[] = [];
  const patches: Patch[] = [];
  const replace = (target: object, key: string, door: string) => {
    const original = (target as Record<string, unknown>)[key];
    patches.push({ target, key, original });
    (target as Record<string, unknown>)[key] = function recorder(...args: unknown[]) {
      attempts.push(`${door} ${describe(args)}`);
      throw new Error(`network use in a test: ${door}`);
    };
  };
  replace(net.Socket.prototype, 'connect', 'net.Socket.connect');
  replace(dns, 'lookup', 'dns.lookup');
  replace(dns.promises, 'lookup', 'dns.promises.lookup');
  replace(http, 'request', 'http.request');
  replace(http, 'get', 'http.get');
  replace(https, 'request', 'https.request');
  replace(https, 'get', 'https.get');
  replace(globalThis, 'fetch', 'fetch');
  for (const d of extra) replace(d.target, d.key, d.door);
  return {
    attempts,
    restore() {
      for (const p of patches.reverse()) (p.target as Record<string, unknown>)[p.key] = p.original;
      patches.length = 0;
    },
  };
}
