import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseSceneSidecar, readSceneSidecar, sidecarPath } from './sceneSidecar';

const SIDECAR = {
  format: 'spatial-id-lens/scene',
  version: 1,
  canvas: { width: 96, height: 96 },
  grid: 4,
  objects: [
    { colour: 'red', shape: 'circle', x: 12, y: 36, size: 18 },
    { colour: 'blue', shape: 'square', x: 60, y: 60, size: 24, appearFrame: 5 },
  ],
};

test('a sidecar gives the objects by name, placed as fractions of the canvas', () => {
  const parsed = parseSceneSidecar(SIDECAR);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.scene, {
    grid: 4,
    objects: [
      { name: 'red circle', x: 0.125, y: 0.375, size: 0.1875 },
      { name: 'blue square', x: 0.625, y: 0.625, size: 0.25, appearFrame: 5 },
    ],
  });
});

test('malformed sidecars are refused with the problem named', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...SIDECAR, format: 'other' }, /format must be "spatial-id-lens\/scene" \(is this a scene sidecar\?\) \(got "other"\)/],
    [{ ...SIDECAR, canvas: { width: 0, height: 96 } }, /canvas\.width must be a width in pixels \(got 0\)/],
    [{ ...SIDECAR, grid: 2.5 }, /grid must be a whole number of cells per side \(got 2\.5\)/],
    [{ ...SIDECAR, objects: [] }, /objects must be a list of at least one object/],
    [{ ...SIDECAR, objects: [{ colour: 'red', x: 1, y: 1, size: 2 }] }, /objects\[0\]\.shape must be a shape word, e\.g\. "circle" \(got nothing\)/],
    [{ ...SIDECAR, objects: [{ colour: 'red', shape: 'circle', x: 120, y: 1, size: 2 }] }, /objects\[0\]\.x must be inside the 96x96 canvas, in pixels \(got 120\)/],
    [{ ...SIDECAR, objects: [{ colour: 'red', shape: 'circle', x: 1, y: 1, size: 2, appearFrame: -1 }] }, /objects\[0\]\.appearFrame must be a 0-based frame number \(got -1\)/],
  ];
  for (const [json, problem] of cases) {
    const parsed = parseSceneSidecar(json);
    assert.ok(!parsed.ok, JSON.stringify(json));
    assert.match(parsed.problem, problem);
  }
});

test('reading: no sidecar is silent; a broken one is logged and ignored', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidecar-'));
  try {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    const picture = path.join(dir, 'scene.png');
    assert.equal(await readSceneSidecar(picture, log), undefined);
    assert.deepEqual(warnings, [], 'a photo without a sidecar is not a problem');

    await fs.writeFile(sidecarPath(picture), JSON.stringify(SIDECAR));
    assert.deepEqual((await readSceneSidecar(picture, log))?.objects.map((o) => o.name), ['red circle', 'blue square']);

    await fs.writeFile(sidecarPath(picture), '{"format": ');
    assert.equal(await readSceneSidecar(picture, log), undefined);
    await fs.writeFile(sidecarPath(picture), JSON.stringify({ ...SIDECAR, objects: 'none' }));
    assert.equal(await readSceneSidecar(picture, log), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /scene\.png\.scene\.json is not JSON/);
    assert.match(warnings[1], /scene\.png\.scene\.json: objects must be a list of objects \(got "none"\)\. It is ignored: fix it/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
