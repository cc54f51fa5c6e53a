// The validation pipeline (spec config-and-import §1.5, §1.7): one row per rejection rule
// with its message, the shipped configs, and the compatibility rules of steps 6 and 7.
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../src/labelConfig/parse.ts';
import { PIPELINE, validateLabelConfig, type ProjectFacts } from '../../src/labelConfig/validate.ts';
import { shippedConfig, shippedConfigs } from './fixtures.ts';

const errorsOf = (xml: string, facts?: ProjectFacts) => {
  const r = validateLabelConfig(xml, facts);
  return r.ok ? [] : r.errors;
};

const TEXT = '<Text name="text" value="$text"/>';
const view = (inner: string) => `<View>${TEXT}${inner}</View>`;

describe('the pipeline', () => {
  it('runs its steps in the order of §1.5', () => {
    expect(PIPELINE.map((s) => s.name)).toEqual(['known tags', 'schema', 'unique names', 'toName references', 'controls point at objects', 'imported tasks', 'existing completions']);
  });

  it('reports the first failing step only', () => {
    // Fails the schema (one Choice), unique names and toName references: the schema wins.
    expect(errorsOf(view('<Text name="text" value="$x"/><Choices name="c" toName="nope"><Choice value="A"/></Choices>'))).toEqual([
      `Validation failed on View/Choices/Choice: {"value":"A"} is not of type 'array': <Choices> needs at least two direct <Choice> tags (wrap a single one in a <View>)`,
    ]);
  });
});

describe('each rejection rule, with its message', () => {
  it.each([
    // Step 1: XML
    { rule: 'empty config', xml: '', message: 'Document is empty, line 1, column 1' },
    { rule: 'not XML', xml: 'hello', message: "Start tag expected, '<' not found, line 1, column 1" },
    {
      rule: 'tag mismatch',
      xml: '<View><Text name="text" value="$text"></View>',
      message: "XML is not well-formed: Expected closing tag 'Text' (opened in line 1, col 7) instead of closing tag 'View' (line 1, column 39)",
    },
    { rule: 'DOCTYPE', xml: '<!DOCTYPE View [<!ENTITY a "x">]><View/>', message: 'DOCTYPE and ENTITY declarations are not allowed in a label config' },
    { rule: 'size', xml: `<View><Header value="${'x'.repeat(MAX_CONFIG_BYTES)}"/></View>`, message: /^Label config is too large: over \d+ bytes, the limit is 1048576 bytes$/ },
    // Step 2: known tags (not in 0.8, which stored them and broke the labeling page)
    { rule: 'a mistyped tag', xml: '<View><Txt name="t" value="$t"/></View>', message: 'Unknown tag <Txt>; did you mean <Text>?' },
    { rule: 'a tag in the wrong case', xml: '<view><Text name="t" value="$t"/></view>', message: 'Unknown tag <view>; did you mean <View>? (tag names are case-sensitive)' },
    { rule: 'a misspelled control', xml: view('<Choise name="c" toName="text"/>'), message: 'Unknown tag <Choise>; did you mean <Choice>?' },
    { rule: 'a tag 0.8 never had', xml: '<View><Video name="v" value="$video"/></View>', message: 'Unknown tag <Video>; did you mean <View>?' },
    { rule: 'a root other than View', xml: '<Foo><Text name="t" value="5"/></Foo>', message: /^Unknown tag <Foo>; the known tags are Image, Text, .*, View, Header, Style$/ },
    // Step 3: schema (0.8's label_config_schema.json)
    { rule: 'object without name', xml: '<View><Text value="$text"/></View>', message: "Validation failed on View/Text: 'name' is a required property" },
    { rule: 'object without value', xml: '<View><Image name="i"/></View>', message: "Validation failed on View/Image: 'value' is a required property" },
    { rule: 'numeric value', xml: '<View><Text name="t" value="5"/></View>', message: "Validation failed on View/Text/@value: 5 is not of type 'string'" },
    { rule: 'boolean value', xml: '<View><HyperText name="t" value="True"/></View>', message: "Validation failed on View/HyperText/@value: true is not of type 'string'" },
    { rule: 'Choices without toName', xml: view('<Choices name="c"><Choice value="A"/><Choice value="B"/></Choices>'), message: "Validation failed on View/Choices: 'toName' is a required property" },
    { rule: 'Labels without toName', xml: view('<Labels name="l"><Label value="A"/></Labels>'), message: "Validation failed on View/Labels: 'toName' is a required property" },
    {
      rule: 'Choices without choices',
      xml: view('<Choices name="c" toName="text"></Choices>'),
      message: "Validation failed on View/Choices: 'Choice' is a required property (add Choice or View tags inside <Choices>)",
    },
    {
      rule: 'Labels without labels',
      xml: view('<Labels name="l" toName="text"><Header value="x"/></Labels>'),
      message: "Validation failed on View/Labels: 'Label' is a required property (add Label or View tags inside <Labels>)",
    },
    {
      rule: 'a single direct Choice',
      xml: view('<Choices name="c" toName="text"><Choice value="A"/></Choices>'),
      message: `Validation failed on View/Choices/Choice: {"value":"A"} is not of type 'array': <Choices> needs at least two direct <Choice> tags (wrap a single one in a <View>)`,
    },
    { rule: 'Choice without value', xml: view('<Choices name="c" toName="text"><Choice value="A"/><Choice/></Choices>'), message: "Validation failed on View/Choices/Choice/1: 'value' is a required property" },
    { rule: 'integer-like Choice values (0.8 crashed: Q-C2)', xml: view('<Choices name="c" toName="text"><Choice value="1"/><Choice value="2"/></Choices>'), message: "Validation failed on View/Choices/Choice/0/@value: 1 is not of type 'string'" },
    { rule: 'numeric text in Choices', xml: view('<Choices name="c" toName="text">7<Choice value="A"/><Choice value="B"/></Choices>'), message: "Validation failed on View/Choices/$: 7 is not of type 'string'" },
    { rule: 'Label without value in a nested View', xml: view('<View><View><Label/></View></View>'), message: "Validation failed on View/View/View/Label: 'value' is a required property" },
    { rule: 'index among same-tag siblings', xml: '<View><Text name="a" value="$a"/><Header/><Text name="b"/></View>', message: "Validation failed on View/Text/1: 'value' is a required property" },
    // Catalogue: what every known tag needs, wherever it is
    { rule: 'Audio without name', xml: '<View><Audio value="$audio"/></View>', message: "Validation failed on View/Audio: 'name' is a required property of <Audio>" },
    { rule: 'TextArea without toName', xml: view('<TextArea name="answer"/>'), message: "Validation failed on View/TextArea: 'toName' is a required property of <TextArea>" },
    {
      rule: 'Channel without column',
      xml: '<View><TimeSeries name="ts" value="$csv" valueType="url"><Channel legend="x"/></TimeSeries></View>',
      message: "Validation failed on View/TimeSeries/Channel: 'column' is a required property of <Channel>",
    },
    { rule: 'Label without value anywhere', xml: '<View><Image name="i" value="$i"/><RectangleLabels name="r" toName="i"><Label/></RectangleLabels></View>', message: "Validation failed on View/RectangleLabels/Label: 'value' is a required property of <Label>" },
    // Step 4: unique names
    { rule: 'duplicate names', xml: view('<Text name="text" value="$other"/>'), message: 'Label config contains non-unique names ["text","text"]' },
    { rule: 'duplicate names across kinds', xml: view('<Choices name="text" toName="text"><Choice value="A"/><Choice value="B"/></Choices><Header name="h"/>'), message: 'Label config contains non-unique names ["text","text","h"]' },
    // Step 5: toName references
    { rule: 'unknown toName', xml: view('<Choices name="c" toName="txt"><Choice value="A"/><Choice value="B"/></Choices>'), message: 'toName="txt" not found in names: ["c","text"]' },
    { rule: 'unknown name in a toName list', xml: view('<Pairwise name="pw" toName="text,other"/>'), message: 'toName="other" not found in names: ["pw","text"]' },
    { rule: 'Filter pointing nowhere', xml: view('<Filter name="f" toName="ner"/>'), message: 'toName="ner" not found in names: ["f","text"]' },
    // Step 6: controls point at objects
    {
      rule: 'control pointing at a control',
      xml: view('<Labels name="l" toName="text"><Label value="a"/></Labels><Choices name="c" toName="l"><Choice value="x"/><Choice value="y"/></Choices>'),
      message: "to_name=l is specified for output tag name=c, but we can't find it among input tags",
    },
    { rule: 'control pointing at a Header', xml: view('<Header name="h">Title</Header><TextArea name="t" toName="h"/>'), message: "to_name=h is specified for output tag name=t, but we can't find it among input tags" },
  ])('$rule', ({ xml, message }) => {
    const errors = errorsOf(xml);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  });
});

describe('accepted configs', () => {
  it.each(shippedConfigs())('shipped $name on an empty project', ({ xml }) => {
    expect(errorsOf(xml)).toEqual([]);
    expect(errorsOf(xml, { hasTasks: false, commonDataKeys: [], outputSchema: { controls: [], labels: [] } })).toEqual([]);
  });

  it.each([
    { name: 'an empty View', xml: '<View></View>' },
    { name: 'one Label', xml: view('<Labels name="l" toName="text"><Label value="a"/></Labels>') },
    { name: 'a single Choice in a View', xml: view('<Choices name="c" toName="text"><View><Choice value="a"/></View></Choices>') },
    { name: 'Filter pointing at a control', xml: view('<Filter name="f" toName="l"/><Labels name="l" toName="text"><Label value="a"/></Labels>') },
    { name: 'a toName list', xml: '<View><Text name="a" value="$a"/><Text name="b" value="$b"/><Pairwise name="pw" toName="a,b"/></View>' },
    { name: 'entities in labels', xml: view('<Labels name="l" toName="text"><Label value="R&amp;D"/></Labels>') },
  ])('$name', ({ xml }) => {
    expect(errorsOf(xml)).toEqual([]);
  });
});

const TASKS = 'You have already imported tasks and they are incompatible with a new config. ';
const COMPLETIONS = "You've already completed some tasks, but some of them couldn't be loaded with this config: ";
const noOutputs = { controls: [], labels: [] };

describe('compatibility with imported tasks (step 6)', () => {
  const withTasks = (keys: string[], extra: Partial<ProjectFacts> = {}): ProjectFacts => ({ hasTasks: true, commonDataKeys: keys, outputSchema: noOutputs, ...extra });

  it.each([
    { name: 'a control target needs a key the tasks lack', keys: ['text'], xml: '<View><Text name="t" value="$body"/><TextArea name="a" toName="t"/></View>', error: `${TASKS}You've specified value=$body, but imported tasks contain only keys: ["text"]` },
    // Q-C4: 0.8 accepted this, then every stored task failed to load.
    { name: 'a Header reads a key the tasks lack', keys: ['text'], xml: view('<Header value="$title"/>'), error: `${TASKS}You've specified value=$title, but imported tasks contain only keys: ["text"]` },
    { name: 'an object no control points at', keys: ['text'], xml: view('<Image name="i" value="$image"/>'), error: `${TASKS}You've specified value=$image, but imported tasks contain only keys: ["text"]` },
    // Q-C5: tasks with no key in common cannot feed any "$" key.
    { name: 'no key common to all tasks', keys: [], xml: view(''), error: `${TASKS}You've specified value=$text, but imported tasks contain only keys: []` },
    { name: 'keys the tasks have', keys: ['text', 'title'], xml: view('<Header value="$title"/>'), error: undefined },
    // 0.8 wrongly required a static value to be a task key.
    { name: 'static values need no key', keys: ['text'], xml: view('<Text name="hint" value="Select a label"/><TextArea name="a" toName="hint"/>'), error: undefined },
    { name: 'no "$" keys with keyless tasks', keys: [], xml: '<View><Header value="Static"/></View>', error: undefined },
  ])('$name', ({ keys, xml, error }) => {
    expect(errorsOf(xml, withTasks(keys))).toEqual(error ? [error] : []);
  });

  it('is skipped when there are no tasks', () => {
    expect(errorsOf(view('<Header value="$title"/>'), { hasTasks: false, commonDataKeys: [], outputSchema: noOutputs })).toEqual([]);
  });

  it('re-checks stored values when a key changes tag, reporting the first task that would not load', () => {
    const tasks = () => [
      { id: 4, data: { text: ['a'] } },
      { id: 7, data: { text: 'hello' } },
    ];
    const facts = withTasks(['text'], { tasks, currentDataTypes: { text: 'HyperText' } });
    expect(errorsOf('<View><Paragraphs name="p" value="$text"/></View>', facts)).toEqual([
      `${TASKS}Task 7: data["text"]="hello" is of type "string", but types "array" are expected`,
    ]);
    expect(errorsOf('<View><Text name="p" value="$text"/></View>', withTasks(['text'], { tasks: () => [{ id: 7, data: { text: 'hello' } }], currentDataTypes: { text: 'HyperText' } }))).toEqual([]);
  });

  it('reads no task when every key keeps its tag (or an equivalent one)', () => {
    const tasks = () => {
      throw new Error('tasks were read');
    };
    const facts = withTasks(['text', 'title'], { tasks, currentDataTypes: { text: 'Text', title: 'Header' } });
    expect(errorsOf(view('<Text name="t2" value="$title"/><Choices name="c" toName="text"><Choice value="A"/><Choice value="B"/></Choices>'), facts)).toEqual([]);
  });
});

describe('compatibility with existing completions (step 7)', () => {
  const SENTIMENT = (choices: string, toName = 'text', tag = 'Choices') => view(`<Text name="other" value="$text"/><${tag} name="sentiment" toName="${toName}">${choices}</${tag}>`);
  const POS_NEG = '<Choice value="Positive"/><Choice value="Negative"/>';
  const facts = (outputs: { toName?: string; labels?: string[] } = {}): ProjectFacts => ({
    hasTasks: true,
    commonDataKeys: ['text'],
    outputSchema: {
      controls: [{ fromName: 'sentiment', toName: outputs.toName ?? 'text', type: 'choices' }],
      labels: (outputs.labels ?? ['Positive']).map((label) => ({ fromName: 'sentiment', type: 'choices', label })),
    },
  });

  it.each([
    { rule: 'the control keeps its name', xml: view('<Choices name="mood" toName="text">' + POS_NEG + '</Choices>'), error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected` },
    { rule: 'the control keeps its type', xml: SENTIMENT('<Label value="Positive"/>', 'text', 'Labels'), error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected` },
    { rule: 'the control keeps its target', xml: SENTIMENT(POS_NEG, 'other'), error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected` },
    { rule: 'a used label stays', xml: SENTIMENT('<Choice value="Negative"/><Choice value="Neutral"/>'), error: `${COMPLETIONS}there are labels already created for "sentiment":\n["Positive"]` },
    { rule: 'every used label stays', labels: ['Positive', 'Neutral', 'Negative'], xml: SENTIMENT('<Choice value="Negative"/><Choice value="Meh"/>'), error: `${COMPLETIONS}there are labels already created for "sentiment":\n["Positive","Neutral"]` },
    { rule: 'a renamed label may keep the used text as alias', xml: SENTIMENT('<Choice value="Good" alias="Positive"/><Choice value="Bad"/>'), error: undefined },
    { rule: 'a label may gain an alias', xml: SENTIMENT('<Choice value="Positive" alias="pos"/><Choice value="Bad"/>'), error: undefined },
    { rule: 'labels, controls and objects may be added', xml: SENTIMENT(POS_NEG + '<Choice value="Neutral"/>') + '', error: undefined },
    // Q-C6: 0.8 compared the first target only and refused the unchanged config.
    { rule: 'a result on the second target of a multi-target control', toName: 'other', xml: SENTIMENT(POS_NEG, 'text,other'), error: undefined },
  ])('$rule', ({ xml, error, labels, toName }) => {
    expect(errorsOf(xml, facts({ labels, toName }))).toEqual(error ? [error] : []);
  });

  it('names a control whose labels are used but which is gone (unreachable in 0.8)', () => {
    const f: ProjectFacts = { hasTasks: true, commonDataKeys: ['text'], outputSchema: { controls: [], labels: [{ fromName: 'gone', type: 'choices', label: 'A' }] } };
    expect(errorsOf(view(''), f)).toEqual([`${COMPLETIONS}name=gone is expected`]);
  });

  it('counts a tag with an empty name as the maker of results with from_name "" (text_taxonomy)', () => {
    const xml = shippedConfig('text_taxonomy');
    const f: ProjectFacts = { hasTasks: true, commonDataKeys: ['text'], outputSchema: { controls: [{ fromName: '', toName: 'text', type: 'taxonomy' }], labels: [] } };
    expect(errorsOf(xml, f)).toEqual([]);
    expect(errorsOf(view(''), f)).toEqual([`${COMPLETIONS}name=, toName=text, type=taxonomy are expected`]);
  });

  it('checks tasks before completions', () => {
    expect(errorsOf('<View><Text name="text" value="$body"/></View>', facts())).toEqual([`${TASKS}You've specified value=$body, but imported tasks contain only keys: ["text"]`]);
  });
});
