// Whether a model folder's tokenizer puts a BOS token before each text, and which. Families differ: Llama 2,
// TinyLlama and Mistral say so in tokenizer_config.json (`add_bos_token`), Llama 3 in tokenizer.json's
// post-processor template ("<|begin_of_text|> $A"), Qwen2, GPT-2 and Pythia add none. transformers' rule, in order:
// tokenizer_config.json `add_bos_token` when present; else the default of its `tokenizer_class` where that class
// rebuilds the template from it (Llama, Code Llama and Gemma tokenizers: true; GPT-NeoX: false); else the
// post-processor's single template (a special token before $A); else none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';

/** The BOS rule of a model folder: `addBos` whether encoding prepends `bosId`. */
export interface BosRule {
  bosId?: number;
  addBos: boolean;
}

/** `add_bos_token` defaults of the transformers tokenizer classes that build their template from it. */
const CLASS_ADDS_BOS: Record<string, boolean> = {
  LlamaTokenizer: true,
  LlamaTokenizerFast: true,
  CodeLlamaTokenizer: true,
  CodeLlamaTokenizerFast: true,
  GemmaTokenizer: true,
  GemmaTokenizerFast: true,
  GPTNeoXTokenizer: false,
  GPTNeoXTokenizerFast: false,
};

interface TemplateJson {
  type?: string;
  processors?: TemplateJson[];
  single?: ({ SpecialToken?: { id: string } } | { Sequence?: { id: string } })[];
  special_tokens?: Record<string, { ids?: number[] }>;
}

interface TokenizerFileJson {
  added_tokens?: { id: number; content: string }[];
  model?: { vocab?: Record<string, number> };
  post_processor?: TemplateJson | null;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AtlasError('SOURCE_MALFORMED', `${path}: not readable JSON (${(err as Error).message})`, { cause: err });
  }
}

/** The special token a single-sequence template puts before $A, with its id. */
function templateBos(post: TemplateJson | null | undefined, where: string): { token: string; id: number } | undefined {
  if (!post) return undefined;
  if (post.type === 'Sequence') {
    for (const p of post.processors ?? []) {
      const found = templateBos(p, where);
      if (found) return found;
    }
    return undefined;
  }
  if (post.type !== 'TemplateProcessing') return undefined;
  const first = post.single?.[0];
  if (!first || !('SpecialToken' in first) || !first.SpecialToken) return undefined;
  const token = first.SpecialToken.id;
  const id = post.special_tokens?.[token]?.ids?.[0];
  if (id === undefined)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: post_processor template starts with ${JSON.stringify(token)} but special_tokens gives it no ids`,
    );
  return { token, id };
}

/** Read the BOS rule of a Hugging Face model folder (tokenizer.json, and tokenizer_config.json / config.json if present). */
export function readBosRule(dir: string): BosRule {
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath))
    throw new AtlasError('SOURCE_NOT_FOUND', `${tokenizerPath}: missing; a model folder needs tokenizer.json`);
  const tokenizer = readJson(tokenizerPath) as TokenizerFileJson;
  const configPath = join(dir, 'tokenizer_config.json');
  const config = (existsSync(configPath) ? readJson(configPath) : {}) as {
    add_bos_token?: unknown;
    bos_token?: string | { content?: string } | null;
    tokenizer_class?: string;
  };
  const modelConfigPath = join(dir, 'config.json');
  const modelConfig = (existsSync(modelConfigPath) ? readJson(modelConfigPath) : {}) as { bos_token_id?: unknown };

  const idOf = (token: string) =>
    tokenizer.added_tokens?.find((t) => t.content === token)?.id ?? tokenizer.model?.vocab?.[token];
  const bosToken = typeof config.bos_token === 'string' ? config.bos_token : (config.bos_token?.content ?? undefined);
  const template = templateBos(tokenizer.post_processor, tokenizerPath);
  let bosId = bosToken !== undefined ? idOf(bosToken) : undefined;
  if (bosToken !== undefined && bosId === undefined)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${configPath}: bos_token ${JSON.stringify(bosToken)} is neither an added token nor in model.vocab of tokenizer.json`,
    );
  bosId ??= template?.id ?? (typeof modelConfig.bos_token_id === 'number' ? modelConfig.bos_token_id : undefined);

  const tokenizerClass = config.tokenizer_class ?? '';
  const addBos =
    config.add_bos_token ??
    (Object.hasOwn(CLASS_ADDS_BOS, tokenizerClass) ? CLASS_ADDS_BOS[tokenizerClass] : undefined);
  if (addBos !== undefined) {
    if (typeof addBos !== 'boolean')
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${configPath}: add_bos_token is ${JSON.stringify(config.add_bos_token)}; expected true or false`,
      );
    if (addBos && bosId === undefined)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${configPath}: add_bos_token is true (given, or the default of ${config.tokenizer_class}) but no BOS token ` +
          'is named (bos_token here, a post_processor template in tokenizer.json, or bos_token_id in config.json); ' +
          'name one or set add_bos_token false',
      );
    return { bosId, addBos };
  }
  if (template) return { bosId: template.id, addBos: true };
  return { bosId, addBos: false };
}
