// A ClusterModel from files the way the CLI reads them: manifests through the manifest reader,
// saved terminal sessions and command outputs through the transcript splitter (parseDocument).
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../src/ingest/document';
import { formatSpec } from '../../src/ingest/registry';
import { ClusterModel } from '../../src/model';

export function modelOf(files: { manifests?: readonly string[]; transcripts?: readonly string[] }): ClusterModel {
  const model = new ClusterModel();
  const manifestReader = formatSpec('manifest')!;
  for (const path of files.manifests ?? [])
    model.add(manifestReader.parse({ text: readFileSync(path, 'utf8'), uri: path }).facts);
  for (const path of files.transcripts ?? []) model.add(parseDocument(readFileSync(path, 'utf8'), path).facts);
  return model;
}
