// The typed model: data keys (§1.3), objects, controls and their labels (§1.4), visual tags.
import { describe, expect, it } from 'vitest';
import { labelConfigLine, parseLabelConfig } from '../../src/labelConfig/parse.ts';
import { shippedConfig } from './fixtures.ts';

/** config-and-import §4: data keys as key:Tag, controls as name:Tag→toName(#labels). */
const SHIPPED: [name: string, dataKeys: string, controls: string][] = [
  ['adv_layouts_columns2', 'text:Text', 'label:Labels→text(2)'],
  ['adv_layouts_columns3', 'text:Text', 'label:Labels→text(2); importance:Choices→text(3)'],
  ['adv_layouts_long_text', 'longText:Text', 'label:Labels→text(2)'],
  ['adv_layouts_sticky_header', 'text:Text', 'label:Labels→text(2)'],
  ['adv_layouts_sticky_left_column', 'text:Text', 'label:Labels→text(2)'],
  ['adv_nested_2level', 'text:Text', 'sentiment:Choices→text(3); other-props:Choices→text(2)'],
  ['adv_nested_3level', 'text:Text', 'sentiment:Choices→text(3); other-props:Choices→text(2); emotion:Choices→text(4)'],
  ['adv_nested_conditional', 'text1:Text, text2:Text', 'sentiment:Choices→text1(3); sentiment2:Choices→text2(3)'],
  ['adv_other_filter', 'text:Text', 'ner:Labels→text(2)'],
  ['adv_other_pairwise', 'text1:Text, text2:Text', 'pw:Pairwise→text1,text2(0)'],
  ['adv_other_relations', 'text:Text', 'label:Labels→text(2)'],
  ['adv_other_table', 'image:Image', 'table_name_1:TextArea→image(0); table_value_1:TextArea→image(0); table_metric_1:TextArea→image(0); table_name_2:TextArea→image(0); table_value_2:TextArea→image(0); table_metric_2:TextArea→image(0); table_name_3:TextArea→image(0); table_value_3:TextArea→image(0); table_metric_3:TextArea→image(0)'],
  ['adv_other_table2', 'item:Table', ''],
  ['adv_region_image', 'image:Image', 'label:RectangleLabels→image(2); answer:TextArea→image(0); choices:Choices→image(2)'],
  ['adv_region_text', 'text:Text', 'ner:Labels→text(2); relevance:Choices→text(2); confidence:Rating→text(0)'],
  ['adv_region_trans', 'audio:AudioPlus', 'label:Labels→audio(2); transcription:TextArea→audio(0); gender:Choices→audio(2)'],
  ['adv_text_classification', 'text:Text', 'sentiment:Choices→text(3)'],
  ['audio_classification', 'audio:Audio', 'topic:Choices→audio(4)'],
  ['audio_diarization', 'audio:AudioPlus', 'label:Labels→audio(2)'],
  ['audio_emotions', 'audio:AudioPlus', 'emotion:Labels→audio(8)'],
  ['audio_trans_region', 'audio:AudioPlus', 'labels:Labels→audio(2); transcription:TextArea→audio(0)'],
  ['audio_transcribe', 'audio:Audio', 'transcription:TextArea→audio(0)'],
  ['html_chatbot', 'dialogue:Paragraphs', 'response:TextArea→dialogue(0)'],
  ['html_classification', 'text:HyperText', 'toxicity:Choices→web_page(6)'],
  ['html_dialogues', 'dialogue:Paragraphs', 'actions:ParagraphLabels→dialogue(4)'],
  ['html_document', 'text:HyperText', 'ner:HyperTextLabels→text(2)'],
  ['html_pdf', 'pdf:HyperText', 'rating:Rating→pdf(0); choices:Choices→pdf(2)'],
  ['html_video', 'video:HyperText', 'type:Choices→video(2)'],
  ['html_video_timeline', 'video:HyperText, videoSource:AudioPlus', 'tricks:Labels→audio(3)'],
  ['html_website', 'website:HyperText', 'rating:Rating→website(0); choices:Choices→website(2)'],
  ['image_bbox', 'image:Image', 'label:RectangleLabels→image(2)'],
  ['image_bbox_coco', 'image_url:Image', 'object:RectangleLabels→image(80)'],
  ['image_brushes', 'image:Image', 'tag:BrushLabels→image(2)'],
  ['image_circular', 'image:Image', 'tag:EllipseLabels→image(2)'],
  ['image_classification', 'image:Image', 'choice:Choices→image(2)'],
  ['image_keypoints', 'image:Image', 'label:KeyPointLabels→image(2)'],
  ['image_mixedlabel', 'image:Image, url:Audio, text:Text', 'tag:RectangleLabels→img(2); choices1:Choices→audio(3); choices2:Choices→text2(2)'],
  ['image_multi_class', 'image1:Image, image2:Image', 'class-left:Choices→img-left(3); class-right:Choices→img-right(3); comparison:Choices→img-left(2)'],
  ['image_polygons', 'image:Image', 'label:PolygonLabels→image(2)'],
  ['text_alignment', 'text:Text', 'label:Labels→text(2)'],
  ['text_classification', 'text:Text', 'sentiment:Choices→text(3)'],
  ['text_multi_class', 'text:Text', 'sentiment:Choices→text(6)'],
  ['text_named_entity', 'text:Text', 'label:Labels→text(11)'],
  ['text_summarization', 'text:Text', 'answer:TextArea→text(0)'],
  ['text_taxonomy', 'text:Text', ''],
  ['ts_classification', 'csv:TimeSeries', 'pattern:Choices→ts(2); label:TimeSeriesLabels→ts(2)'],
  ['ts_loading_csv', 'csv:TimeSeries', 'label:TimeSeriesLabels→ts(2)'],
  ['ts_loading_csv_notime', 'csv:TimeSeries', 'label:TimeSeriesLabels→ts(2)'],
  ['ts_loading_headless', 'csv:TimeSeries', 'label:TimeSeriesLabels→ts(2)'],
  ['ts_loading_json', 'ts:TimeSeries', 'label:TimeSeriesLabels→ts(2)'],
  ['ts_multi_step', 'csv:TimeSeries', 'label:TimeSeriesLabels→ts(1); rating:Rating→ts(0); choices:Choices→ts(3)'],
  ['ts_rel_between_channels', 'csv1:TimeSeries, csv2:TimeSeries', 'labels1:TimeSeriesLabels→ts1(2); labels2:TimeSeriesLabels→ts2(2)'],
  ['ts_rel_text', 'event:Text, csv:TimeSeries', 'logger_label:Labels→logger(2); ts_label:TimeSeriesLabels→ts(2)'],
  ['ts_segmentation', 'csv:TimeSeries', 'label:TimeSeriesLabels→ts(5)'],
];

describe('parseLabelConfig on the shipped configs (spec §4 table)', () => {
  it.each(SHIPPED)('%s: %s | %s', (name, dataKeys, controls) => {
    const config = parseLabelConfig(shippedConfig(name));
    expect(Object.entries(config.dataTypes).map(([k, t]) => `${k}:${t}`).join(', ')).toBe(dataKeys);
    expect(config.controls.map((c) => `${c.name}:${c.tag}→${c.toNames.join(',')}(${c.labels.length})`).join('; ')).toBe(controls);
  });
});

describe('data keys (§1.3)', () => {
  it.each([
    { name: 'header values are data keys too', xml: '<View><Image name="i" value="$image"/><Header value="$title"/></View>', dataTypes: { image: 'Image', title: 'Header' } },
    { name: 'the root never counts', xml: '<View value="$root"><Text name="t" value="$t"/></View>', dataTypes: { t: 'Text' } },
    { name: 'a later tag wins, the key keeps its place', xml: '<View><Text name="a" value="$x"/><Text name="b" value="$y"/><Header value="$x"/></View>', dataTypes: { x: 'Header', y: 'Text' } },
    { name: 'static values and a lone "$" are no keys', xml: '<View><Text name="a" value="Select"/><Header value="$"/></View>', dataTypes: {} },
    { name: 'other attributes never make keys', xml: '<View><Paragraphs name="p" value="$d" audioUrl="$audio"/></View>', dataTypes: { d: 'Paragraphs' } },
    { name: 'keys are literal, tags case-sensitive', xml: '<View><text name="t" value="$image_url"/></View>', dataTypes: { image_url: 'text' } },
  ])('$name', ({ xml, dataTypes }) => {
    const parsed = parseLabelConfig(xml).dataTypes;
    expect(parsed).toEqual(dataTypes);
    expect(Object.keys(parsed)).toEqual(Object.keys(dataTypes));
  });
});

describe('objects, controls, visual tags (§1.4)', () => {
  it('classifies by attributes and gives each control the labels it owns', () => {
    const config = parseLabelConfig(`<View>
      <Header value="$title"/>
      <Text name="intro" value="Select label"/>
      <Text name="text" value="$text"/>
      <Filter name="fl" toName="ner"/>
      <Labels name="ner" toName="text">
        <Label value="Person"/><Label value="Organisation" alias="ORG"/>
      </Labels>
      <Choices name="sentiment" toName="text,intro">
        <View><Header value="Pick"/><Choice value="Positive"/></View>
        <Choice value="Negative"/>
        <Choices name="inner" toName="text"><Choice value="A"/><Choice value="B"/></Choices>
      </Choices>
      <Taxonomy name="" toName="text"><Choice value="Archaea"/></Taxonomy>
    </View>`);
    expect(config.objects.map(({ tag, name, value, dataKey }) => ({ tag, name, value, dataKey }))).toEqual([
      { tag: 'Text', name: 'intro', value: 'Select label', dataKey: undefined },
      { tag: 'Text', name: 'text', value: '$text', dataKey: 'text' },
    ]);
    expect(config.controls.map(({ tag, name, toNames, labels, items, resultType }) => ({ tag, name, toNames, labels, items, resultType }))).toEqual([
      { tag: 'Labels', name: 'ner', toNames: ['text'], labels: ['Person', 'ORG'], items: [{ value: 'Person' }, { value: 'Organisation', alias: 'ORG' }], resultType: 'labels' },
      { tag: 'Choices', name: 'sentiment', toNames: ['text', 'intro'], labels: ['Positive', 'Negative'], items: [{ value: 'Positive' }, { value: 'Negative' }], resultType: 'choices' },
      { tag: 'Choices', name: 'inner', toNames: ['text'], labels: ['A', 'B'], items: [{ value: 'A' }, { value: 'B' }], resultType: 'choices' },
    ]);
    expect(config.visuals.map((v) => `${v.tag}${v.name !== undefined ? `#${v.name}` : ''}${v.dataKey ? `($${v.dataKey})` : ''}`)).toEqual([
      'View',
      'Header($title)',
      'Filter#fl',
      'View',
      'Header',
      'Taxonomy#',
    ]);
    expect(config.dataTypes).toEqual({ title: 'Header', text: 'Text' });
  });
});

describe('labelConfigLine', () => {
  it('drops comments and line breaks, keeps indentation', () => {
    expect(labelConfigLine('<!-- c -->\n<View>\n  <Image name="img" value="$image"/>\n</View>')).toBe('<View>  <Image name="img" value="$image"/></View>');
  });
});

describe('parseLabelConfig reuse', () => {
  it('gives the same model for the same text, and the same refusal each time', () => {
    const xml = '<View><Text name="t" value="$t"/></View>';
    expect(parseLabelConfig(xml)).toBe(parseLabelConfig(xml));
    for (let i = 0; i < 2; i++) expect(() => parseLabelConfig('<View><Text')).toThrow(/^XML is not well-formed/);
    expect(parseLabelConfig(xml).dataTypes).toEqual({ t: 'Text' });
  });
});
