/** The pages' one escaper (functions/render/layout.ts): the `html` tagged template, SafeHtml and raw. */
import { describe, expect, it } from 'vitest';
import { escapeMarkup, html, joinHtml, raw, SafeHtml } from '../../functions/render/layout.ts';

const HOSTILE = `<script>alert("x" & 'y')</script>`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;';

describe('the html tagged template', () => {
  it('escapes every interpolation in text, whatever its place', () => {
    expect(html`<p>${HOSTILE}</p><p>${HOSTILE}${HOSTILE}</p>`.html).toBe(
      `<p>${ESCAPED}</p><p>${ESCAPED}${ESCAPED}</p>`,
    );
  });

  it.each([
    [
      'double-quoted',
      (v: string) => html`<a title="${v}">`,
      '<a title="x&quot; onmouseover=&quot;alert(1)">',
    ],
    [
      'single-quoted',
      (v: string) => html`<a title='${v}'>`,
      "<a title='x&quot; onmouseover=&quot;alert(1)'>",
    ],
  ])('escapes an attribute value (%s): a quote cannot end it', (_name, render, expected) => {
    expect(render('x" onmouseover="alert(1)').html).toBe(expected);
  });

  it("escapes the single quote too, so a single-quoted attribute holds: 'a' → &#39;a&#39;", () => {
    expect(html`<a title='${"' onclick='alert(1)"}'>`.html).toBe("<a title='&#39; onclick=&#39;alert(1)'>");
  });

  it('writes numbers as text, and false, null and undefined as nothing', () => {
    expect(html`${0}|${1.5}|${false}|${null}|${undefined}|${''}`.html).toBe('0|1.5||||');
  });

  it('does not escape SafeHtml again: a nested template, or raw', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(html`<p>${inner}</p>`.html).toBe('<p><b>a &amp; b</b></p>');
    expect(html`<style>${raw('a[title="x"]>b{}')}</style>`.html).toBe('<style>a[title="x"]>b{}</style>');
    // Nested twice: escaped once, at the level the text was interpolated.
    expect(html`<div>${html`<p>${inner}${'<i>'}</p>`}</div>`.html).toBe(
      '<div><p><b>a &amp; b</b>&lt;i&gt;</p></div>',
    );
  });

  it('joins a list: its texts escaped, its SafeHtml kept, nested lists flattened', () => {
    const items = ['<a>', html`<li>${'&'}</li>`, ['"', html`<br>`], undefined];
    expect(html`<ul>${items}</ul>`.html).toBe('<ul>&lt;a&gt;<li>&amp;</li>&quot;<br></ul>');
    expect(html`${[]}`.html).toBe('');
  });

  it('joins with a separator (escaped as text)', () => {
    expect(joinHtml([html`<i>a</i>`, 'b<'], ' & ').html).toBe('<i>a</i> &amp; b&lt;');
  });

  it('is SafeHtml, and prints as its markup', () => {
    const out = html`<p>${'x'}</p>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(`${out}`).toBe('<p>x</p>');
  });

  it('has one escaper underneath, for text and attributes alike', () => {
    expect(escapeMarkup(HOSTILE)).toBe(ESCAPED);
    expect(html`${HOSTILE}`.html).toBe(escapeMarkup(HOSTILE));
  });
});
