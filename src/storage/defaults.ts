// What a new project starts with: Label Studio 0.8's default config.json keys and a
// Text + Choices labeling config.
import type { ProjectSettings } from '../domain/types.ts';

export const DEFAULT_LABEL_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>
`;

export const DEFAULT_INSTRUCTION =
  "<img src='static/images/ls_logo.png'><br> Type some <b>hypertext</b> for annotators here!<br> <a href='https://labelstud.io/guide/labeling.html'>Read more</a> about the labeling interface.";

export const DEFAULT_SOURCE = { name: 'Tasks', type: 'tasks-json', path: 'tasks.json' };
export const DEFAULT_TARGET = { name: 'Completions', type: 'completions-dir', path: 'completions' };

export function defaultSettings(): ProjectSettings {
  return {
    title: 'Label Studio',
    description: 'default',
    protocol: 'http://',
    host: '0.0.0.0',
    port: 8080,
    debug: false,
    label_config: 'config.xml',
    input_path: 'tasks.json',
    output_dir: 'completions',
    instruction: DEFAULT_INSTRUCTION,
    allow_delete_completions: true,
    templates_dir: 'examples',
    editor: { debug: false },
    sampling: 'sequential',
    ml_backends: [],
    task_page_auto_update_timer: 10000,
    show_project_links_in_multisession: true,
    source: { ...DEFAULT_SOURCE },
    target: { ...DEFAULT_TARGET },
  };
}

/**
 * 0.8 failed with a 500 when config.json lacked instruction or output_dir, and filled
 * source/target in memory; missing keys get their defaults here.
 */
export function withDefaults(settings: ProjectSettings): ProjectSettings {
  const out: ProjectSettings = { ...settings };
  if (typeof out.instruction !== 'string') out.instruction = DEFAULT_INSTRUCTION;
  if (out.output_dir === undefined) out.output_dir = 'completions';
  if (!out.source || typeof out.source !== 'object' || Object.keys(out.source).length === 0) out.source = { ...DEFAULT_SOURCE };
  if (!out.target || typeof out.target !== 'object' || Object.keys(out.target).length === 0) out.target = { ...DEFAULT_TARGET };
  if (!Array.isArray(out.ml_backends)) out.ml_backends = [];
  return out;
}
