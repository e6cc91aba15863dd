// A ClusterModel from files the way the CLI reads them: manifests through the manifest reader,
// saved terminal sessions and command outputs through the transcript splitter (parseDocument).
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../src/ingest/document';
import { formatSpec } from '../../src/ingest/registry';
import { ClusterModel } from '../../src/model';

/** `pasted` stands for what a user pastes of each transcript (the whole file by default). */
export function modelOf(files: {
  manifests?: readonly string[];
  transcripts?: readonly string[];
  pasted?: (text: string) => string;
}): ClusterModel {
  const pasted = files.pasted ?? ((text: string) => text);
  const model = new ClusterModel();
  const manifestReader = formatSpec('manifest')!;
  for (const path of files.manifests ?? [])
    model.add(manifestReader.parse({ text: readFileSync(path, 'utf8'), uri: path }).facts);
  for (const path of files.transcripts ?? []) model.add(parseDocument(pasted(readFileSync(path, 'utf8')), path).facts);
  return model;
}
