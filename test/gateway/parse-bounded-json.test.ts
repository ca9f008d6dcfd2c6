import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBoundedJson } from '../../src/gateway/parse-bounded-json.ts';

const limits = { depth: 4, items: 100, stringLength: 200_000 };
// Past 64 KB the depth is scanned on the text before parsing; this padding takes a body there.
const padding = `"pad":"${'p'.repeat(70_000)}"`;

test('brackets, braces and escaped quotes inside strings are not nesting', () => {
  const tricky = `"[[[[{{{{ \\" [[[[ \\\\" `;
  for (const text of [
    `{${padding},"a":{"b":"${'[{'.repeat(50)}"}}`,
    `{${padding},"s":"x\\"[[[[[[[[\\"","t":"${tricky.slice(1, -2)}\\\\"}`,
  ]) {
    const parsed = parseBoundedJson(text, limits);
    assert.equal(parsed.breach, undefined, parsed.breach?.message);
    assert.equal(typeof parsed.value, 'object');
  }
});

test('too deep is found on the text and on the value alike, naming the same field', () => {
  const deep = '{"a":[1,{"b\\"c":[[9]]}]}';
  for (const text of [`{${padding},"x":${deep}}`, `{"p":1,"x":${deep}}`]) {
    const { breach } = parseBoundedJson(text, limits);
    assert.equal(breach?.param, 'x.a[1].b"c');
    assert.match(breach?.message ?? '', /deeper than 4 levels/);
  }
  assert.equal(
    parseBoundedJson(`{${padding},"x":{"a":[{"b":1}]}}`, limits).breach,
    undefined,
    'exactly 4 deep',
  );
});

test('text that is not JSON is left to JSON.parse, whose SyntaxError is thrown', () => {
  assert.throws(() => parseBoundedJson(`{${padding},"a":"unterminated`, limits), SyntaxError);
  assert.throws(() => parseBoundedJson('{"a":]', limits), SyntaxError);
});
