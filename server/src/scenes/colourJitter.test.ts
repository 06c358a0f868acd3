import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FAMILY_MARGIN, jitteredFill, nearestColourWord } from './colourJitter';
import { deltaE, hexToRgb, hueDifference, labToLch, labToRgb, oklabDistance, oklabToRgb, rgbToHex, rgbToLab, rgbToOklab } from './colourSpace';
import { SeededRandom } from './random';
import { COLOURS, COLOUR_NAMES } from './vocabulary';

const DRAWS = 1500;

test('L*a*b* round-trips sRGB and matches known values', () => {
  assert.deepEqual(rgbToLab([255, 255, 255]).map((v) => Math.round(v) || 0), [100, 0, 0]);
  assert.deepEqual(rgbToLab([0, 0, 0]).map((v) => Math.round(v) || 0), [0, 0, 0]);
  // sRGB red is L* 53.2, a* 80.1, b* 67.2 (CIE D65)
  assert.deepEqual(rgbToLab([255, 0, 0]).map((v) => Math.round(v * 10) / 10), [53.2, 80.1, 67.2]);
  for (const hex of Object.values(COLOURS)) {
    assert.equal(rgbToHex(labToRgb(rgbToLab(hexToRgb(hex)))!), hex);
    assert.equal(rgbToHex(oklabToRgb(rgbToOklab(hexToRgb(hex)))!), hex);
  }
  // OKLab of white is (1, 0, 0); of sRGB blue (0.452, -0.032, -0.312) (Ottosson's reference values)
  assert.deepEqual(rgbToOklab([255, 255, 255]).map((v) => Math.round(v * 1000) / 1000 || 0), [1, 0, 0]);
  assert.deepEqual(rgbToOklab([0, 0, 255]).map((v) => Math.round(v * 1000) / 1000), [0.452, -0.032, -0.312]);
  assert.equal(labToRgb([50, 120, 0]), null, 'far outside sRGB');
  assert.equal(oklabToRgb([0.5, 0.4, 0]), null, 'far outside sRGB');
});

test('every jittered shade stays in its own colour family, by distance and by hue', () => {
  const palette = COLOUR_NAMES.map((c) => ({ c, rgb: hexToRgb(COLOURS[c]), hue: labToLch(rgbToOklab(hexToRgb(COLOURS[c])))[2] }));
  const rng = new SeededRandom(17);
  for (const colour of COLOUR_NAMES) {
    for (let k = 0; k < DRAWS; k++) {
      const shade = hexToRgb(jitteredFill(rng, colour));
      const hue = labToLch(rgbToOklab(shade))[2];
      const own = palette.find((p) => p.c === colour)!;
      for (const other of palette.filter((p) => p.c !== colour)) {
        const [dOwn, dOther] = [oklabDistance(shade, own.rgb), oklabDistance(shade, other.rgb)];
        assert.ok(dOwn <= FAMILY_MARGIN * dOther, `${colour} shade ${rgbToHex(shade)} is ${dOwn.toFixed(3)} from ${colour}, ${dOther.toFixed(3)} from ${other.c}`);
        assert.ok(Math.abs(hueDifference(own.hue, hue)) < Math.abs(hueDifference(other.hue, hue)), `${colour} shade ${rgbToHex(shade)} has a hue nearer ${other.c}'s`);
      }
      assert.equal(nearestColourWord(shade), colour);
    }
  }
});

test('families follow what people call the colours: royal blues are blue (CIELAB would call them purple)', () => {
  for (const hex of ['#1349ec', '#0637f9', '#1e88e5', '#2962ff']) assert.equal(nearestColourWord(hexToRgb(hex)), 'blue', hex);
  for (const [hex, word] of [['#ff0000', 'red'], ['#ffa500', 'orange'], ['#ffff00', 'yellow'], ['#008000', 'green'], ['#00ffff', 'cyan'], ['#800080', 'purple'], ['#ffc0cb', 'pink']] as const) {
    assert.equal(nearestColourWord(hexToRgb(hex)), word, `CSS ${word} ${hex}`);
  }
});

test('the jitter is wide: a colour word names many shades, some far from the palette value', () => {
  const rng = new SeededRandom(3);
  for (const colour of COLOUR_NAMES) {
    const shades = Array.from({ length: 500 }, () => jitteredFill(rng, colour));
    const far = Math.max(...shades.map((s) => deltaE(hexToRgb(s), hexToRgb(COLOURS[colour]))));
    assert.ok(new Set(shades).size > 450, `${colour}: ${new Set(shades).size} distinct shades of 500`);
    assert.ok(far > 15, `${colour}: the farthest shade is only ${far.toFixed(1)} from ${COLOURS[colour]}`);
    const lightness = shades.map((s) => rgbToLab(hexToRgb(s))[0]);
    assert.ok(Math.max(...lightness) - Math.min(...lightness) > 12, `${colour}: lightness spans ${Math.min(...lightness).toFixed(0)}-${Math.max(...lightness).toFixed(0)}`);
  }
});

test('shades are deterministic from the seed', () => {
  const draw = (seed: number) => COLOUR_NAMES.map((c) => jitteredFill(new SeededRandom(seed), c));
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
});
