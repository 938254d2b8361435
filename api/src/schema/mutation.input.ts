// GraphQL input types of the job-queueing mutations (train, import, extract, export).
import { Field, Float, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Train a dictionary on activations already on the server.' })
export class TrainDictionaryInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Activation file or folder on the server.' })
  acts!: string;

  @Field(() => String, { description: 'topk, batchtopk, relu or jumprelu.' })
  arch!: string;

  @Field(() => Int)
  latents!: number;

  @Field(() => Int, { nullable: true })
  k?: number;

  @Field(() => Float, { nullable: true })
  l1Coefficient?: number;

  @Field(() => Int, { nullable: true, description: 'Tokens to train on (default: one pass).' })
  tokens?: number;

  @Field(() => Int, { nullable: true })
  seed?: number;
}

@InputType()
export class ImportSaeInput {
  @Field(() => String, {
    description: 'SAELens (cfg.json + sae_weights.safetensors) or sparsify folder on the server.',
  })
  path!: string;

  @Field(() => String, { description: '"builtin" or a Hugging Face model folder on the server.' })
  model!: string;

  @Field(() => String, { nullable: true, description: '"brown" (default) or a corpus folder.' })
  corpus?: string;

  @Field(() => Int, { nullable: true, description: 'Analyse at most this many tokens (default: the whole corpus).' })
  maxTokens?: number;
}

@InputType({ description: 'Run a model over a corpus and write activation shards on the server.' })
export class ExtractActivationsInput {
  @Field(() => String, { description: '"builtin" or a model folder.' })
  model!: string;

  @Field(() => String, { description: '"brown" or a corpus folder.' })
  corpus!: string;

  @Field(() => String, { description: 'Hook point, e.g. blocks.0.mlp.hook_post.' })
  hook!: string;

  @Field(() => String, { description: 'Output folder on the server.' })
  out!: string;

  @Field(() => Int, { nullable: true })
  maxTokens?: number;
}

@InputType({ description: 'Bring activations computed elsewhere (.npy or .safetensors) into the engine format.' })
export class ImportActivationsInput {
  @Field(() => String)
  acts!: string;

  @Field(() => String, { description: 'Token ids: .npy or .json, [rows] or [sequences, seq_len].' })
  tokens!: string;

  @Field(() => String, { description: 'Output folder on the server.' })
  out!: string;
}

@InputType()
export class ExportDictionaryInput {
  @Field(() => ID)
  dictionaryId!: string;

  @Field(() => String, { description: 'Output folder on the server.' })
  out!: string;
}
