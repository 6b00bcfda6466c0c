import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The alert rules in docs/board.md are meant to be copied into a Prometheus rule file: they must parse
 * as YAML, each rule must have a name and an expression, and every lakeflow metric they use must be one
 * the metrics table documents.
 */

const DOC = path.resolve(import.meta.dirname, '../../docs/board.md');

describe('the alert rules of docs/board.md', () => {
  it('parse as a rule file whose expressions use documented metrics', async () => {
    const text = await readFile(DOC, 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => parse(match[1] as string));
    const ruleFile = blocks.find((block) => Array.isArray(block?.groups)) as {
      groups: { name: string; rules: { alert?: string; expr?: string }[] }[];
    };
    expect(ruleFile).toBeDefined();
    const rules = ruleFile.groups.flatMap((group) => group.rules);
    for (const rule of rules) {
      expect(typeof rule.alert, JSON.stringify(rule)).toBe('string');
      expect(typeof rule.expr, JSON.stringify(rule)).toBe('string');
    }
    const documented = new Set([...text.matchAll(/^\| `(lakeflow_[a-z_]+)` \|/gm)].map((match) => match[1]));
    const used = rules.flatMap((rule) =>
      [...(rule.expr as string).matchAll(/lakeflow_[a-z_]+/g)].map((m) => m[0]),
    );
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['LakeflowQualityCheckError', 'LakeflowRowsQuarantined']),
    );
  });
});
