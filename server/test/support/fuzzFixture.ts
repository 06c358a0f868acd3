import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ForwardResult, forwardRequest, loadModelRequest } from '../../../protocol/requests';
import { TestServer, startServer } from './rpcTestClient';
import { BUNDLED_MODEL, SceneImage, writeSceneImage } from './sceneFixture';

/**
 * For the fuzz tests (hostile params and files, broken model folders, protocol garbage): a
 * server on the bundled model, its memory, and the check made after every case that a good forward still gives the bundled
 * model's answer, exactly.
 */

/** The acceptance bound on the server's resident memory during any hostile case. */
export const RSS_LIMIT_MB = 1536;

/** Peak resident memory of a process so far (VmHWM), in MB; null where /proc has none. */
export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** A server (cache under `tmp`) with the bundled model loaded on one thread, a scene in `tmp`, and the scene's forward to compare with after each case. */
export async function startBundledServer(tmp: string): Promise<{ server: TestServer; scene: SceneImage; reference: ForwardResult }> {
  const scene = await writeSceneImage(tmp);
  const server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  await server.connection.sendRequest(loadModelRequest, { dir: BUNDLED_MODEL, threads: 1 });
  return { server, scene, reference: await forwardScene(server, scene) };
}

export function forwardScene(server: TestServer, scene: SceneImage): Promise<ForwardResult> {
  return server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question });
}

/** A good forward answers as `reference` did (same words, same log-probabilities), and memory stayed bounded. */
export async function assertServesAsBefore(server: TestServer, scene: SceneImage, reference: ForwardResult, after: string): Promise<void> {
  assert.equal(server.child.exitCode, null, `the server is still running after ${after}`);
  const r = await forwardScene(server, scene);
  assert.equal(r.answer, reference.answer, `the answer after ${after}`);
  assert.deepEqual(r.logprobs, reference.logprobs, `the log-probabilities after ${after}`);
  const rss = peakRssMb(server.child.pid);
  if (rss !== null) assert.ok(rss < RSS_LIMIT_MB, `peak RSS ${rss} MB after ${after}`);
}

/** Runs `p`, failing (instead of hanging the suite) when it takes longer than `ms`. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s (a hang)`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
