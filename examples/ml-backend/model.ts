// The example backend's model: a multinomial naive-Bayes text classifier for a labeling
// config with one <Choices> on one <Text>. Small on purpose, and real: it learns from the
// completions /train sends, and its scores move as annotators label more tasks.

/** What the model reads from the labeling config: which text to read and which choices to make. */
export interface ChoicesTask {
  /** The <Choices> name: from_name of the results. */
  fromName: string;
  /** The <Text> name: to_name of the results. */
  toName: string;
  /** The task data key the <Text> shows ($text → "text"). */
  dataKey: string;
  labels: string[];
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1] ?? new RegExp(`\\b${name}\\s*=\\s*'([^']*)'`, 'i').exec(tag)?.[1];

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The first <Choices> whose toName is a <Text>/<HyperText>/<Paragraphs>-like tag with a
 * $key value; undefined when the config has none (the backend then predicts nothing).
 * A few regular expressions are enough for the configs this example is meant for.
 */
export function choicesTaskOf(config: string): ChoicesTask | undefined {
  const xml = config.replace(/<!--[\s\S]*?-->/g, '');
  const block = /<Choices\b([^>]*)>([\s\S]*?)<\/Choices>/i.exec(xml);
  if (!block) return undefined;
  const fromName = attr(block[1]!, 'name');
  const toName = attr(block[1]!, 'toName');
  if (!fromName || !toName) return undefined;
  const labels = [...block[2]!.matchAll(/<Choice\b([^>]*)\/?>/gi)].map((m) => attr(m[1]!, 'value')).filter((v): v is string => v !== undefined).map(unescape);
  const target = [...xml.matchAll(/<(Text|HyperText)\b([^>]*)\/?>/gi)].find((m) => attr(m[2]!, 'name') === toName);
  const value = target ? attr(target[2]!, 'value') : undefined;
  if (!value?.startsWith('$') || labels.length === 0) return undefined;
  return { fromName: unescape(fromName), toName: unescape(toName), dataKey: value.slice(1), labels };
}

/** Lower-case words (letters, digits and apostrophes, any script). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

export interface Prediction {
  label: string;
  /** The probability of the label chosen. */
  score: number;
  probabilities: Record<string, number>;
}

export interface SavedModel {
  labels: string[];
  docs: Record<string, number>;
  words: Record<string, Record<string, number>>;
  version: string;
}

export class NaiveBayes {
  private readonly totals: Record<string, number> = {};
  private readonly vocabulary = new Set<string>();

  private constructor(private readonly saved: SavedModel) {
    for (const label of saved.labels) {
      const counts = saved.words[label] ?? {};
      this.totals[label] = Object.values(counts).reduce((a, b) => a + b, 0);
      for (const w of Object.keys(counts)) this.vocabulary.add(w);
    }
  }

  get version(): string {
    return this.saved.version;
  }

  /** Counts words per label; labels without examples keep a smoothed share of the prior. */
  static train(examples: readonly { text: string; label: string }[], labels: readonly string[], version: string): NaiveBayes {
    const all = [...new Set([...labels, ...examples.map((e) => e.label)])];
    const docs: Record<string, number> = Object.fromEntries(all.map((l) => [l, 0]));
    const words: Record<string, Record<string, number>> = Object.fromEntries(all.map((l) => [l, {}]));
    for (const { text, label } of examples) {
      docs[label]!++;
      const counts = words[label]!;
      for (const w of tokenize(text)) counts[w] = (counts[w] ?? 0) + 1;
    }
    return new NaiveBayes({ labels: all, docs, words, version });
  }

  static fromJSON(saved: SavedModel): NaiveBayes {
    return new NaiveBayes(saved);
  }

  toJSON(): SavedModel {
    return this.saved;
  }

  /** Laplace-smoothed log scores, turned into probabilities; words never seen are ignored. */
  predict(text: string): Prediction {
    const { labels, docs, words } = this.saved;
    const n = labels.reduce((sum, l) => sum + (docs[l] ?? 0), 0);
    const v = Math.max(1, this.vocabulary.size);
    const tokens = tokenize(text).filter((w) => this.vocabulary.has(w));
    const logs = labels.map((l) => {
      let s = Math.log(((docs[l] ?? 0) + 1) / (n + labels.length));
      const counts = words[l] ?? {};
      for (const w of tokens) s += Math.log(((counts[w] ?? 0) + 1) / (this.totals[l]! + v));
      return s;
    });
    const top = Math.max(...logs);
    const exp = logs.map((s) => Math.exp(s - top));
    const sum = exp.reduce((a, b) => a + b, 0);
    const probabilities = Object.fromEntries(labels.map((l, i) => [l, exp[i]! / sum]));
    const best = logs.indexOf(top);
    return { label: labels[best]!, score: exp[best]! / sum, probabilities };
  }
}
