/**
 * Reading rule dumps the way kube-proxy's own tests compare them. The normalisation here is
 * the one upstream's helpers apply (sortIPTablesRules in pkg/proxy/iptables/proxier_test.go;
 * assertNFTablesTransactionEqual in pkg/proxy/nftables/helpers_test.go compares statements as
 * a set), rewritten from their documented behaviour, plus reading both nft syntaxes (the
 * `nft -f` transaction upstream's fake records, and the `nft list` text we print) into the
 * same statements.
 */

/** Chains a kube-proxy iptables-restore never writes: the built-ins it jumps from with `iptables -I`. */
const BUILTIN_CHAINS = new Set(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);

function serviceNameOf(rule: string): string | undefined {
  const match = /--comment (?:"(?<quoted>[^"]*)"|(?<bare>\S+))/.exec(rule);
  const text = match?.groups?.quoted ?? match?.groups?.bare;
  if (text === undefined) return undefined;
  const end = text.search(/[ :]/);
  return end === -1 ? text : text.slice(0, end);
}

function chainRank(name: string): [number, string] {
  if (name === 'KUBE-NODEPORTS') return [0, name];
  if (name === 'KUBE-SERVICES') return [1, name];
  return [name.startsWith('KUBE-') ? 2 : 3, name];
}

function compareChains(left: string, right: string): number {
  const [leftRank, leftName] = chainRank(left);
  const [rightRank, rightName] = chainRank(right);
  return leftRank - rightRank || (leftName < rightName ? -1 : leftName > rightName ? 1 : 0);
}

function byServiceName(left: string, right: string): number {
  const leftName = serviceNameOf(left);
  const rightName = serviceNameOf(right);
  if (leftName === undefined || rightName === undefined) return 0;
  return leftName < rightName ? -1 : leftName > rightName ? 1 : 0;
}

interface Table {
  name: string;
  chains: string[];
  rules: Map<string, string[]>;
  deleted: string[];
}

/**
 * An iptables-restore text as upstream's sortIPTablesRules prints it: tables by name; chains
 * KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* then the rest, each group alphabetical; rules
 * grouped by chain in their own order, except KUBE-NODEPORTS and KUBE-SERVICES, ordered
 * (stably) by the Service named in their comment with the "must be the last rule" rule last.
 * Built-in chains are left out: kube-proxy adds its jumps from them with `iptables -I`, not
 * in the restore data upstream's test records.
 */
export function sortLikeUpstream(text: string): string[] {
  const tables: Table[] = [];
  let table: Table | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = { name: line.slice(1), chains: [], rules: new Map(), deleted: [] };
      tables.push(table);
      continue;
    }
    if (!table) continue;
    const declared = /^:(?<chain>\S+)/.exec(line);
    if (declared?.groups && !BUILTIN_CHAINS.has(declared.groups.chain)) table.chains.push(declared.groups.chain);
    const appended = /^-A (?<chain>\S+)/.exec(line);
    if (appended?.groups && !BUILTIN_CHAINS.has(appended.groups.chain)) {
      const list = table.rules.get(appended.groups.chain) ?? [];
      list.push(line);
      table.rules.set(appended.groups.chain, list);
    }
    if (line.startsWith('-X ')) table.deleted.push(line);
  }
  tables.sort((left, right) => (left.name < right.name ? -1 : 1));
  const out: string[] = [];
  for (const current of tables) {
    const chains = [...current.chains].sort(compareChains);
    out.push(`*${current.name}`, ...chains.map((chain) => `:${chain} - [0:0]`));
    for (const chain of chains) {
      const rules = [...(current.rules.get(chain) ?? [])];
      if (chain === 'KUBE-NODEPORTS') rules.sort(byServiceName);
      if (chain === 'KUBE-SERVICES') {
        const last = rules.filter((rule) => rule.includes('must be the last rule'));
        out.push(...rules.filter((rule) => !last.includes(rule)).sort(byServiceName), ...last);
        continue;
      }
      out.push(...rules);
    }
    out.push(...current.deleted, 'COMMIT');
  }
  return out;
}

/** Spacing-only differences between the two nft syntaxes (`a , b` / `a, b`, `x ;` / `x;`). */
function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/ ?, ?/g, ', ').replace(/ ;/g, ';').trim();
}

function sorted(statements: string[]): string[] {
  return [...new Set(statements)].sort();
}

/**
 * The statements of an `nft -f` transaction as upstream's fake records them:
 * `table …`, `set NAME {…}`, `chain NAME {…}`, `rule CHAIN #n …` (numbered in order within its
 * chain, the only order that matters), `element SET ELEMENT`, sorted. Comments and blank lines
 * are not statements.
 */
export function nftTransactionStatements(text: string): string[] {
  const out: string[] = [];
  const ruleCount = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const statement = /^add (?<what>table|set|map|chain|rule|element) ip kube-proxy ?(?<name>\S*) ?(?<rest>.*)$/.exec(
      line,
    )?.groups;
    if (!statement) {
      out.push(`unread ${line}`);
      continue;
    }
    const body = statement.rest.replace(/^\{ ?(?<inner>.*?) ?\}$/, '$<inner>');
    switch (statement.what) {
      case 'table':
        out.push(`table kube-proxy ${squeeze(line.replace(/^.*?kube-proxy \{ ?|;? ?\}$/g, ''))}`);
        break;
      case 'set':
      case 'map':
        out.push(`set ${statement.name} ${declaration(body.split(';'))}`);
        break;
      case 'chain':
        out.push(`chain ${statement.name} ${declaration(body ? body.split(';') : [])}`);
        break;
      case 'rule': {
        const index = (ruleCount.get(statement.name) ?? 0) + 1;
        ruleCount.set(statement.name, index);
        out.push(`rule ${statement.name} #${index} ${squeeze(statement.rest)}`);
        break;
      }
      default:
        out.push(`element ${statement.name} ${squeeze(body)}`);
    }
  }
  return sorted(out);
}

/** A set/map/chain header as sorted `key value` parts, without nft list's default `policy accept`. */
function declaration(parts: string[]): string {
  return parts
    .map((part) => squeeze(part))
    .filter((part) => part && part !== 'policy accept')
    .sort()
    .join('; ');
}

/** The same statements read from `nft list table ip kube-proxy` text (what the predictor prints). */
export function nftListStatements(text: string): string[] {
  const out: string[] = [];
  let block: { kind: 'set' | 'chain'; name: string; header: string[]; elements: string } | undefined;
  let inElements = false;
  const ruleCount = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (inElements && block) {
      block.elements += ` ${line}`;
      inElements = !line.endsWith('}');
      continue;
    }
    const opened = /^(?<kind>set|map|chain) (?<name>\S+) \{$/.exec(line)?.groups;
    if (opened) {
      block = { kind: opened.kind === 'chain' ? 'chain' : 'set', name: opened.name, header: [], elements: '' };
      continue;
    }
    if (line === '}') {
      if (block) {
        out.push(`${block.kind} ${block.name} ${declaration(block.header)}`);
        const inner = block.elements.replace(/^\s*\{ ?|\s*\}\s*$/g, '');
        for (const element of inner ? splitElements(inner) : []) out.push(`element ${block.name} ${squeeze(element)}`);
      }
      block = undefined;
      continue;
    }
    if (!block) {
      const table = /^table ip kube-proxy \{$/.exec(line);
      if (!table) out.push(line.startsWith('comment ') ? `table kube-proxy ${squeeze(line)}` : `unread ${line}`);
      continue;
    }
    if (block.kind === 'set') {
      const elements = /^elements = (?<list>.*)$/.exec(line)?.groups;
      if (elements) {
        block.elements = elements.list;
        inElements = !elements.list.endsWith('}');
      } else block.header.push(line);
      continue;
    }
    if (/^type \S+ hook /.test(line) || (/^comment "/.test(line) && block.header.length === 0))
      block.header.push(...line.split(';'));
    else {
      const index = (ruleCount.get(block.name) ?? 0) + 1;
      ruleCount.set(block.name, index);
      out.push(`rule ${block.name} #${index} ${squeeze(line)}`);
    }
  }
  return sorted(out);
}

/** Splits `a, b . c : goto x, d` at the commas between elements (none occur inside one). */
function splitElements(list: string): string[] {
  return list.split(/,\s*/).map((element) => element.trim());
}

export interface LineTally {
  expected: number;
  matched: number;
  missing: string[];
  extra: string[];
}

/** Which expected lines the prediction has (as a multiset), and what it has besides. */
export function tallyLines(expected: readonly string[], actual: readonly string[]): LineTally {
  const left = new Map<string, number>();
  for (const line of actual) left.set(line, (left.get(line) ?? 0) + 1);
  const missing: string[] = [];
  let matched = 0;
  for (const line of expected) {
    const count = left.get(line) ?? 0;
    if (count > 0) {
      left.set(line, count - 1);
      matched++;
    } else missing.push(line);
  }
  const extra = [...left].flatMap(([line, count]) => Array<string>(count).fill(line));
  return { expected: expected.length, matched, missing, extra };
}
