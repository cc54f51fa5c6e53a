// Untrusted XML: declarations refused, limits on size and depth, only safe entities decoded.
import { describe, expect, it } from 'vitest';
import { LabelConfigError, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseXmlTree } from '../../src/labelConfig/xml.ts';
import { BILLION_LAUGHS } from './fixtures.ts';

function messagesOf(xml: unknown): string[] {
  try {
    parseXmlTree(xml as string);
  } catch (err) {
    if (err instanceof LabelConfigError) return err.messages;
    throw err;
  }
  return [];
}

const DECLARATIONS = 'DOCTYPE and ENTITY declarations are not allowed in a label config';

describe('parseXmlTree refuses', () => {
  const deep = (n: number) => '<View>'.repeat(n) + '</View>'.repeat(n);
  it.each([
    { name: 'a non-string', xml: 42, message: 'can only parse strings' },
    { name: 'an empty string', xml: '', message: 'Document is empty, line 1, column 1' },
    { name: 'blank text', xml: '  \n ', message: 'Document is empty, line 1, column 1' },
    { name: 'text that is no XML', xml: 'hello', message: "Start tag expected, '<' not found, line 1, column 1" },
    { name: 'a billion laughs', xml: BILLION_LAUGHS, message: DECLARATIONS },
    { name: 'an internal DOCTYPE (0.8 accepted it)', xml: '<!DOCTYPE View [<!ENTITY a "x">]><View/>', message: DECLARATIONS },
    { name: 'an external entity', xml: '<!DOCTYPE View [<!ENTITY x SYSTEM "file:///etc/passwd">]><View>&x;</View>', message: DECLARATIONS },
    { name: 'a lowercase doctype', xml: '<!doctype View><View/>', message: DECLARATIONS },
    {
      name: 'mismatched tags',
      xml: '<View><Text name="text" value="$text"></View>',
      message: "XML is not well-formed: Expected closing tag 'Text' (opened in line 1, col 7) instead of closing tag 'View' (line 1, column 39)",
    },
    { name: 'an attribute without value', xml: '<View><Text checked/></View>', message: "XML is not well-formed: boolean attribute 'checked' is not allowed (line 1, column 13)" },
    { name: 'a repeated attribute', xml: '<View a="1" a="2"/>', message: "XML is not well-formed: Attribute 'a' is repeated (line 1, column 13)" },
    { name: 'two roots', xml: '<View/><View/>', message: 'XML is not well-formed: a label config has one root element, found 2 (<View>, <View>)' },
    { name: 'text after the root', xml: '<View/>junk', message: 'XML is not well-formed: extra content at the end of the document' },
    { name: 'text between two elements at the top', xml: '<View></View>junk<!-- c --><View/>', message: 'XML is not well-formed: Extra text at the end (line 1, column 14)' },
    { name: 'an undefined entity', xml: '<View><Text name="t" value="&foo;"/></View>', message: 'XML is not well-formed: entity "&foo;" is not defined (in attribute value of <Text>); only &lt; &gt; &amp; &quot; &apos; are' },
    { name: 'a bare ampersand', xml: '<View><Label value="R & D"/></View>', message: 'XML is not well-formed: "&" must be written as "&amp;" (in attribute value of <Label>)' },
    { name: 'a "<" in an attribute', xml: '<View><Label value="a<b"/></View>', message: 'XML is not well-formed: "<" must be written as "&lt;" (in attribute value of <Label>)' },
    { name: 'a NUL character reference', xml: '<View><Label value="&#0;"/></View>', message: 'XML is not well-formed: "&#0;" is not a valid character (in attribute value of <Label>)' },
    { name: `nesting deeper than ${MAX_CONFIG_DEPTH}`, xml: deep(MAX_CONFIG_DEPTH + 1), message: `Label config is nested deeper than ${MAX_CONFIG_DEPTH} levels` },
    { name: 'nesting 140 000 deep, just under the size limit', xml: '<V>'.repeat(140_000) + '</V>'.repeat(140_000), message: `Label config is nested deeper than ${MAX_CONFIG_DEPTH} levels` },
  ])('$name', ({ xml, message }) => {
    expect(messagesOf(xml)).toEqual([message]);
  });

  it('a config over the size limit, before reading it', () => {
    const xml = `<View><Header value="${'x'.repeat(MAX_CONFIG_BYTES)}"/></View>`;
    expect(messagesOf(xml)).toEqual([`Label config is too large: over ${xml.length} bytes, the limit is ${MAX_CONFIG_BYTES} bytes`]);
    // Multi-byte characters count in UTF-8 bytes.
    const wide = `<View><Header value="${'é'.repeat(MAX_CONFIG_BYTES / 2)}"/></View>`;
    expect(messagesOf(wide)).toEqual([`Label config is too large: ${Buffer.byteLength(wide)} bytes, the limit is ${MAX_CONFIG_BYTES} bytes`]);
  });

  it('a billion laughs in well under a second and without growing the heap', () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(messagesOf(BILLION_LAUGHS)).toEqual([DECLARATIONS]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('parseXmlTree reads', () => {
  it('elements, attributes with predefined entities and character references, and text', () => {
    const root = parseXmlTree('\ufeff<?xml version="1.0"?><!-- <!DOCTYPE in a comment is harmless --><View a="R &amp; D &#65;&#x42; &lt;&gt;&quot;&apos;"><Style>a &gt; b<![CDATA[ & c]]></Style></View>');
    expect(root).toEqual({
      tag: 'View',
      attrs: { a: 'R & D AB <>"\'' },
      text: '',
      children: [{ tag: 'Style', attrs: {}, text: 'a > b & c', children: [] }],
    });
  });

  it('line breaks in attribute values as spaces, as XML normalises them', () => {
    const root = parseXmlTree('<View style="a;\n  b;\tc"><Header value="two&#10;lines"/></View>');
    expect(root.attrs.style).toBe('a;   b; c');
    expect(root.children[0]!.attrs.value).toBe('two\nlines');
  });

  it(`nesting of ${MAX_CONFIG_DEPTH} levels`, () => {
    const xml = '<View>'.repeat(MAX_CONFIG_DEPTH) + '</View>'.repeat(MAX_CONFIG_DEPTH);
    let node = parseXmlTree(xml);
    let depth = 1;
    while (node.children[0]) {
      node = node.children[0];
      depth++;
    }
    expect(depth).toBe(MAX_CONFIG_DEPTH);
  });
});
