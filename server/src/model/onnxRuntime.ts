/**
 * The one door to onnxruntime-node in this code base: every module that needs it imports this
 * file, never 'onnxruntime-node' itself (type-only imports aside).
 *
 * onnxruntime-node ships with telemetry on: about 10 s after load it looks up a Microsoft host,
 * writes a device id and an event store under ~/.cache/Microsoft/DeveloperTools/ and truncates
 * /tmp/mat-debug-<pid>.log following symlinks. The product works offline and must never try to
 * phone home, and the variable is only read when the native addon loads, so it is set here,
 * before the `require` below, in whatever process (server, CLI, bench, test file) gets here first.
 */
process.env.ORT_DISABLE_TELEMETRY = '1';

// `import = require` compiles to a require at this very place, after the line above (an ES
// `import` would be hoisted above it).
import ort = require('onnxruntime-node');

export = ort;
