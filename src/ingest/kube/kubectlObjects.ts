import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parseKubeObjects, sniffKubeObjects } from './manifestParser';
import { unflattenYaml } from './flatYaml';

/** `kubectl get … -o yaml` / `-o json` (single objects and Lists): the manifest converters, as log evidence. */
export function parseKubectlYaml(input: ParseInput): ParseResult {
  return parseKubeObjects(input, 'kubectl-yaml', 'log');
}

export function parseKubectlJson(input: ParseInput): ParseResult {
  return parseKubeObjects(input, 'kubectl-json', 'log');
}

export const kubectlYamlFormat: FormatSpec = {
  id: 'kubectl-yaml',
  tools: ['kubectl'],
  parse: parseKubectlYaml,
  unflatten: unflattenYaml,
  commands: [/^kubectl\b.*\s(-o|--output)(\s+|=)yaml\b/],
  sniff(lines) {
    const sniffed = sniffKubeObjects(lines);
    return sniffed.yaml > 0 && sniffed.server ? 0.95 : sniffed.yaml * 0.8;
  },
};

export const kubectlJsonFormat: FormatSpec = {
  id: 'kubectl-json',
  tools: ['kubectl'],
  parse: parseKubectlJson,
  commands: [/^kubectl\b.*\s(-o|--output)(\s+|=)json\b/],
  sniff(lines) {
    const sniffed = sniffKubeObjects(lines);
    return sniffed.json > 0 && sniffed.server ? 0.95 : sniffed.json * 0.8;
  },
};
