import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { INTERNAL_ACTIONS, internalErrorText, issueBody } from '../../src/extension/errorText';

test("an internal error says what could not finish in the user's words, with Show Log and Report Issue", () => {
  const text = internalErrorText('Classifying cat.png', 'engine');
  assert.equal(
    text,
    'Classifying cat.png could not finish: the model engine stopped unexpectedly. ' +
      'This is a bug in ResNeXt Inspector, not a problem with your input; the log has the details.',
  );
  assert.equal(
    internalErrorText('Exporting the review report', 'extension'),
    'Exporting the review report could not finish: ResNeXt Inspector stopped unexpectedly. This is a bug in ResNeXt Inspector, not a problem with your input; the log has the details.',
  );
  assert.deepEqual([...INTERNAL_ACTIONS], ['Show Log', 'Report Issue']);
});

test("the error's own text goes to the issue report, not into the notification", () => {
  // The message of issue 14's first-use bug: TF.js internals the user should never read in a notification.
  const internal = "The highest priority backend 'wasm' has not yet been initialized. Make sure to await tf.ready()";
  const stack = `Error: ${internal}\n    at Engine.backend (dist/worker.js:1:2)`;
  for (const part of ['engine', 'extension'] as const) {
    const text = internalErrorText('Classifying cat.png', part);
    assert.ok(!text.includes('backend') && !text.includes('tf.ready') && !text.includes('wasm') && !text.includes(' at '), text);
  }
  const body = issueBody('Classifying cat.png', stack, { extensionVersion: '0.1.0', vscodeVersion: '1.100.3', platform: 'linux x64', node: '20.19.0' });
  assert.ok(body.includes(stack));
  assert.ok(body.startsWith('**What failed**: Classifying cat.png'));
  assert.ok(body.endsWith('ResNeXt Inspector 0.1.0, VS Code 1.100.3, linux x64, Node 20.19.0'));
});
