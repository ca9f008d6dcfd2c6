import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/delivery/format/render-markdown.ts';
import { slackMrkdwnDialect } from '../../src/delivery/format/slack-mrkdwn-dialect.ts';
import { telegramHtmlDialect } from '../../src/delivery/format/telegram-html-dialect.ts';
import { telegramHtmlToText } from '../../src/delivery/format/telegram-html-to-text.ts';
import { telegramHtmlProblems, telegramVisibleText } from './telegram-html-problems.ts';

const telegram = (markdown: string, limit = 4096) =>
  renderMarkdown(markdown, { dialect: telegramHtmlDialect, limit });
const slack = (markdown: string, limit = 4000) =>
  renderMarkdown(markdown, { dialect: slackMrkdwnDialect, limit });

describe('Markdown to Telegram HTML', () => {
  it('escapes <, > and & in text, code and link URLs', () => {
    const [html] = telegram('if a < b && c > d then <script>\n\n`x<y&z` [go](https://e.com/?a=1&b="2")');
    assert.match(html, /if a &lt; b &amp;&amp; c &gt; d then &lt;script&gt;/);
    assert.match(html, /<code>x&lt;y&amp;z<\/code>/);
    assert.match(html, /<a href="https:\/\/e\.com\/\?a=1&amp;b=%222%22">go<\/a>/);
    assert.deepEqual(telegramHtmlProblems(html), []);
  });

  it('renders bold, italics, strike, code blocks with a language, quotes and lists', () => {
    const [html] = telegram(
      '# Title\n\n**bold _both_** ~~gone~~\n\n```python\nprint("<hi>")\n```\n\n> said\n\n- a\n- b\n  - c\n\n3. x\n4. y',
    );
    assert.match(html, /^<b>Title<\/b>\n\n<b>bold <i>both<\/i><\/b> <s>gone<\/s>/);
    assert.match(html, /<pre><code class="language-python">print\(&quot;&lt;hi&gt;&quot;\)<\/code><\/pre>/);
    assert.match(html, /<blockquote>said<\/blockquote>/);
    assert.match(html, /• a\n• b\n {2}• c/);
    assert.match(html, /3\. x\n4\. y/);
    assert.deepEqual(telegramHtmlProblems(html), []);
  });

  it('shows a table as aligned monospace columns', () => {
    const [html] = telegram('| name | cost |\n|---|---|\n| alpha | 1 |\n| b | 22 |');
    assert.equal(html, '<pre>name  | cost\n------+-----\nalpha | 1\nb     | 22</pre>');
  });

  it('says (no output) for Markdown with nothing to show, rather than no message or an empty one', () => {
    for (const markdown of ['[notes]: https://e.com/notes', '- ', '```\n```', '#']) {
      assert.deepEqual(telegram(markdown), ['(no output)'], JSON.stringify(markdown));
      assert.deepEqual(slack(markdown), ['(no output)'], JSON.stringify(markdown));
    }
  });

  it('shows a relative link as text with its target, and raw HTML as text', () => {
    const [html] = telegram('see [notes](./notes.md) and <b onclick="x">hi</b>');
    assert.equal(html, 'see notes (./notes.md) and &lt;b onclick=&quot;x&quot;&gt;hi&lt;/b&gt;');
  });
});

describe('Telegram HTML to plain text (the fallback when Telegram cannot parse the HTML)', () => {
  it('drops the tags, decodes the entities and puts link targets in parentheses', () => {
    const [html] = telegram(
      '**Prices** are up < 5% & `rising`, see [source](https://e.com/?a=1&b=2) or https://e.com\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    );
    assert.equal(
      telegramHtmlToText(html, 4096),
      'Prices are up < 5% & rising, see source (https://e.com/?a=1&b=2) or https://e.com\n\n• one\n• two\n\na | b\n--+--\n1 | 2',
    );
    assert.equal(telegramHtmlToText('a &amp;lt; b &#60; c &#x3e; d < e', 4096), 'a &lt; b < c > d < e');
  });

  it('leaves link targets out when they would not fit in one message', () => {
    const html = `${'x'.repeat(4070)} <a href="https://example.com/a/long/path">here</a>`;
    assert.equal(telegramHtmlToText(html, 4096), `${'x'.repeat(4070)} here`);
  });
});

describe('Markdown to Slack mrkdwn', () => {
  it('escapes &, < and > and writes links as <url|text>', () => {
    const [text] = slack('a < b & c > d [the report](https://e.com/x?a=1&b=2|3)');
    assert.equal(text, 'a &lt; b &amp; c &gt; d <https://e.com/x?a=1&amp;b=2%7C3|the report>');
  });

  it('uses *bold*, _italic_, ~strike~ and ``` blocks, and keeps literal * and _ from formatting', () => {
    const [text] = slack(
      '**bold** *it* ~~s~~ \\*not bold\\* \\_not it\\_ snake_case_name\n\n```\nx = `a` ```\n```',
    );
    assert.match(text, /^\*bold\* _it_ ~s~ /);
    assert.match(text, /snake_case_name/);
    const literal = text.slice(text.indexOf('s~') + 2, text.indexOf('snake'));
    assert.doesNotMatch(literal, /(^|\s)[*_][^\s\u200B]/, 'a literal * or _ must not open formatting');
    assert.equal(literal.replace(/\u200B/g, ''), ' *not bold* _not it_ ');
    assert.match(text, /```\nx = `a` ``\u200B`\n```$/);
  });

  it('quotes every line with > and keeps blank quoted lines quoted', () => {
    const [text] = slack('before\n\n> one\n>\n> two');
    assert.equal(text, 'before\n\n> one\n>\n> two');
  });
});

describe('chunking', () => {
  it('keeps short text in one message', () => {
    assert.equal(telegram('hello **world**').length, 1);
  });

  it('cuts at paragraph boundaries, each message at most 4096 characters and balanced', () => {
    const paragraph = (n: number) => `Paragraph ${n} **bold ${n}** ${'word '.repeat(150)}`;
    const markdown = Array.from({ length: 30 }, (_, n) => paragraph(n)).join('\n\n');
    const chunks = telegram(markdown);
    assert.ok(chunks.length > 1);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 4096, `length ${chunk.length}`);
      assert.deepEqual(telegramHtmlProblems(chunk), []);
      assert.match(chunk, /^Paragraph \d+ <b>/, 'each message starts at a paragraph');
      assert.match(chunk, /word$/, 'each message ends at the end of a paragraph');
    }
    const visible = chunks.map(telegramVisibleText).join('\n\n');
    assert.equal(
      visible.replace(/\s+/g, ' '),
      telegramVisibleText(telegram(markdown, 1e9)[0]).replace(/\s+/g, ' '),
    );
  });

  it('cuts one paragraph at line boundaries, never inside bold or a link', () => {
    const lines = Array.from(
      { length: 400 },
      (_, n) => `line ${n} **bold ${n}** [link ${n}](https://e.com/${n})`,
    );
    const chunks = telegram(lines.join('\n'));
    assert.ok(chunks.length > 1);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 4096);
      assert.deepEqual(telegramHtmlProblems(chunk), []);
      assert.match(chunk, /^line \d+ <b>bold \d+<\/b>/);
      assert.match(chunk, /<\/a>$/);
    }
    assert.equal(chunks.join('\n').split('\n').length, 400);
  });

  it('splits one long code block into several closed code blocks at line boundaries', () => {
    const code = Array.from({ length: 600 }, (_, n) => `let value${n} = a < b && c > ${n};`);
    const chunks = telegram(`\`\`\`js\n${code.join('\n')}\n\`\`\``);
    assert.ok(chunks.length >= 5, `${chunks.length} chunks`);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 4096);
      assert.match(chunk, /^<pre><code class="language-js">let value\d+ = a &lt; b/);
      assert.match(chunk, /;<\/code><\/pre>$/);
      assert.deepEqual(telegramHtmlProblems(chunk), []);
    }
    const lines = chunks.flatMap((chunk) => telegramVisibleText(chunk).split('\n'));
    assert.deepEqual(lines, code);
  });

  it('splits a long Slack code block into closed ``` blocks within 4000 characters', () => {
    const code = Array.from({ length: 500 }, (_, n) => `row ${n} ${'x'.repeat(30)}`);
    const chunks = slack(`\`\`\`\n${code.join('\n')}\n\`\`\``);
    assert.ok(chunks.length > 1);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 4000);
      assert.match(chunk, /^```\nrow \d+/);
      assert.match(chunk, /x\n```$/);
    }
  });

  it('cuts a single line longer than the limit at spaces, then anywhere, without breaking an entity', () => {
    const chunks = telegram(`${'a&b '.repeat(3000)}`, 1000);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 1000);
      assert.deepEqual(telegramHtmlProblems(chunk), []);
    }
    const unbroken = telegram('x'.repeat(2500), 1000);
    assert.deepEqual(
      unbroken.map((chunk) => chunk.length),
      [1000, 1000, 500],
    );
  });

  it('never splits a surrogate pair or an escape at the limit', () => {
    const chunks = telegram('😀&'.repeat(1000), 101);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 101);
      assert.doesNotMatch(chunk, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      assert.deepEqual(telegramHtmlProblems(chunk), []);
    }
  });

  it('puts the header on the first message and the footer on the last', () => {
    const chunks = renderMarkdown(Array.from({ length: 20 }, () => 'w '.repeat(400)).join('\n\n'), {
      dialect: telegramHtmlDialect,
      limit: 4096,
      header: 'analyst · morning-brief',
      footer: 'tier 1 · flash · $0.0012',
    });
    assert.match(chunks[0], /^<b>analyst · morning-brief<\/b>\n\n/);
    assert.match(chunks[chunks.length - 1], /\n\n<i>tier 1 · flash · \$0\.0012<\/i>$/);
  });
});
