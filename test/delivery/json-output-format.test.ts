import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/delivery/format/render-markdown.ts';
import { slackMrkdwnDialect } from '../../src/delivery/format/slack-mrkdwn-dialect.ts';
import { telegramHtmlDialect } from '../../src/delivery/format/telegram-html-dialect.ts';
import { telegramHtmlProblems, telegramVisibleText } from './telegram-html-problems.ts';

const output = '{"label":"bug","tags":["a_b","*urgent*"],"note":"<b> & more"}';

describe('a JSON output (output: json) in chat channels', () => {
  it('Telegram: an indented JSON code block, nothing read as Markdown, valid HTML; header and footer kept', () => {
    const [html, ...rest] = renderMarkdown(output, {
      dialect: telegramHtmlDialect,
      limit: 4096,
      header: 'triage · hourly',
      footer: 'tier 1 · m1',
    });
    assert.deepEqual(rest, []);
    assert.deepEqual(telegramHtmlProblems(html), []);
    assert.match(
      html,
      /^<b>triage · hourly<\/b>\n\n<pre><code class="language-json">\{\n {2}&quot;label&quot;: /,
    );
    assert.match(html, /<\/code><\/pre>\n\n<i>tier 1 · m1<\/i>$/);
    assert.ok(
      telegramVisibleText(html).includes(JSON.stringify(JSON.parse(output), null, 2)),
      'the JSON, indented, exactly',
    );
  });

  it('Slack: a code block with the JSON indented (no emphasis from * or _)', () => {
    const [mrkdwn] = renderMarkdown(output, { dialect: slackMrkdwnDialect, limit: 4000 });
    assert.match(mrkdwn, /^```\n\{\n {2}"label": "bug",\n {2}"tags": \[\n {4}"a_b",\n {4}"\*urgent\*"\n/);
    assert.match(mrkdwn, /\n\}\n```$/);
  });

  it('a JSON array too; Markdown, a bare number and broken JSON are rendered as before', () => {
    const [array] = renderMarkdown('[1, 2]', { dialect: telegramHtmlDialect, limit: 4096 });
    assert.equal(array, '<pre><code class="language-json">[\n  1,\n  2\n]</code></pre>');
    const [prose] = renderMarkdown('**bold** {not json}', { dialect: telegramHtmlDialect, limit: 4096 });
    assert.equal(prose, '<b>bold</b> {not json}');
    const [number] = renderMarkdown('42', { dialect: telegramHtmlDialect, limit: 4096 });
    assert.equal(number, '42');
    const [broken] = renderMarkdown('{"label": "bu', { dialect: telegramHtmlDialect, limit: 4096 });
    assert.equal(broken, '{&quot;label&quot;: &quot;bu');
  });
});
