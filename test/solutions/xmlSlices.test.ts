import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SolutionFileError } from '../../src/solutions/errors';
import { XmlSlices } from '../../src/solutions/xmlSlices';
import { ByteBuilder, elementFile, embedded } from '../../src/solutions/xmlText';

function refused(text: string, pattern: RegExp, code = 'InvalidXml'): void {
  assert.throws(
    () => XmlSlices.parse(text, 'test.xml'),
    (error: SolutionFileError) => {
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('the XML tokenizer', () => {
  it('refuses what is not well-formed, saying where', () => {
    refused('<a>\n  <b></c>\n</a>', /test\.xml is not well-formed XML: <\/c> closes <b> at line 2, column 6/);
    refused('<a><b></a>', /<\/a> closes <b>/);
    refused('<a>', /<a> is not closed/);
    refused('<a x=1 />', /attribute value without quotes/);
    refused('<a x="1 />', /"<" inside an attribute value|never closed/);
    refused('<a x="<" />', /"<" inside an attribute value/);
    refused('<a>fish & chips</a>', /"&" that starts no known reference/);
    refused('<a /><b />', /second root element/);
    refused('<a />text', /text after the root element/);
    refused('', /no root element/);
  });

  it('refuses DOCTYPE and entity declarations before reading anything else', () => {
    refused(
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      /declares a DOCTYPE or entities/,
      'UnsafeXml',
    );
  });

  it('reads names, attributes and text, references and CDATA decoded', () => {
    const doc = XmlSlices.parse(
      '\uFEFF<?xml version="1.0"?><root a="1 &amp; 2" b=\'x"y\'><item>caf\u00e9 &lt;3</item><code><![CDATA[<b>&amp;</b>]]></code><empty></empty></root>',
      'test.xml',
    );
    assert.equal(doc.name(doc.root), 'root');
    assert.equal(doc.attr(doc.root, 'a'), '1 & 2');
    assert.equal(doc.attr(doc.root, 'b'), 'x"y');
    assert.equal(doc.childText(doc.root, 'item'), 'caf\u00e9 <3');
    assert.equal(doc.childText(doc.root, 'code'), '<b>&amp;</b>');
    assert.ok(doc.isEmpty(doc.child(doc.root, 'empty')!));
    assert.deepEqual(
      doc.children(doc.root).map((e) => doc.name(e)),
      ['item', 'code', 'empty'],
    );
  });

  it('cuts an element out as its own bytes: non-ASCII text, entity references and <a></a> stay as written', () => {
    const source =
      '<root>\r\n  <Entity>\r\n    <Name>Ol\u00e9 \u65e5\u672c &amp; co</Name>\r\n    <Empty></Empty>\r\n  </Entity>\r\n</root>';
    const doc = XmlSlices.parse(source, 'test.xml');
    const file = new ByteBuilder().raw(elementFile(doc, doc.child(doc.root, 'Entity')!)).toString();
    assert.equal(
      file,
      '\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<Entity xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\r\n  <Name>Ol\u00e9 \u65e5\u672c &amp; co</Name>\r\n  <Empty></Empty>\r\n</Entity>',
    );
  });

  it('moves only the whitespace between tags: text, CDATA and comments keep their line breaks and spaces', () => {
    const source =
      '<root>\n    <a>\n    <b>two\n    lines</b>\n    <c><![CDATA[\n    <kept/>]]></c>\n    <!-- a\n    comment -->\n    <d/>\n    </a>\n</root>';
    const doc = XmlSlices.parse(source, 'test.xml');
    const moved = new ByteBuilder().raw(embedded(doc, doc.child(doc.root, 'a')!, 0)).toString();
    assert.equal(
      moved,
      '<a>\r\n<b>two\r\n    lines</b>\r\n<c><![CDATA[\r\n    <kept/>]]></c>\r\n<!-- a\r\n    comment -->\r\n<d />\r\n</a>',
    );
  });

  it('moves indentation both ways, so cutting out and putting back gives the same bytes', () => {
    const source = '<root>\r\n      <part x="1">\r\n        <child>\r\n          <leaf />\r\n        </child>\r\n      </part>\r\n</root>';
    const doc = XmlSlices.parse(source, 'test.xml');
    const part = doc.child(doc.root, 'part')!;
    const alone = new ByteBuilder().raw(embedded(doc, part, 0)).result();
    const back = XmlSlices.parse(alone, 'part.xml');
    assert.equal(new ByteBuilder().copy(back, 0, back.bytes.length, 6).toString(), doc.outer(part));
  });
});

describe('the byte builder', () => {
  it('hands what it writes over in pieces of at least the size asked, which stay as they were and with the rest make the whole', () => {
    const doc = XmlSlices.parse(`<a>\n${'    <b x="1"/>\n'.repeat(200)}</a>`, 'test.xml');
    const pieces: Buffer[] = [];
    const builder = new ByteBuilder(64).handOff(500, (piece) => pieces.push(piece));
    builder.raw('<?xml version="1.0"?>').copy(doc, doc.start(doc.root), doc.end(doc.root), 2);
    const whole = new ByteBuilder(64).raw('<?xml version="1.0"?>').copy(doc, doc.start(doc.root), doc.end(doc.root), 2).result();
    assert.ok(pieces.length >= 5, `${pieces.length} pieces`);
    for (const piece of pieces) assert.ok(piece.length >= 500, `a piece of ${piece.length} bytes`);
    // The pieces are kept as they were handed over: the builder goes on in other memory.
    assert.deepEqual(Buffer.concat([...pieces, builder.result()]), whole);
  });
});
