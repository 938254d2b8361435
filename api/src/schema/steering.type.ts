// GraphQL types of steer: interventions on features and sampling options in, the default and the steered
// continuation out.
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum SteerMode {
  ADD = 'add',
  CLAMP = 'clamp',
  ABLATE = 'ablate',
}
registerEnumType(SteerMode, {
  name: 'SteerMode',
  description:
    "ADD strength × the feature's decoder direction; CLAMP the feature's activation to strength (the reconstruction error kept); ABLATE: clamp to 0.",
});

export enum StrengthUnit {
  MAX = 'max',
  RAW = 'raw',
}
registerEnumType(StrengthUnit, {
  name: 'StrengthUnit',
  description: "MAX: in units of the feature's max activation stored in the atlas; RAW: activation units as is.",
});

@InputType({ description: 'One intervention on one feature.' })
export class SteerInterventionInput {
  @Field(() => ID, { description: 'The dictionary of the feature; all must share one model.' })
  dictionaryId!: string;

  @Field(() => Int, { description: 'The feature (latent index).' })
  index!: number;

  @Field(() => SteerMode, { defaultValue: SteerMode.ADD })
  mode!: SteerMode;

  @Field(() => Float, { defaultValue: 0, description: 'ADD: the multiple of the direction; CLAMP: the value.' })
  strength!: number;

  @Field(() => StrengthUnit, { defaultValue: StrengthUnit.MAX })
  unit!: StrengthUnit;

  @Field(() => [Int], {
    nullable: true,
    description: 'Token positions to steer (0 = the first prompt token, generated tokens follow); null: all.',
  })
  positions?: number[] | null;
}

@InputType({ description: 'How the next token is chosen; both continuations use the same seed.' })
export class SamplingInput {
  @Field(() => Int, { defaultValue: 32 })
  maxNewTokens!: number;

  @Field(() => Float, { defaultValue: 0, description: '0: greedy.' })
  temperature!: number;

  @Field(() => Float, { defaultValue: 1 })
  topP!: number;

  @Field(() => Float, { defaultValue: 0 })
  frequencyPenalty!: number;

  @Field(() => Int, { defaultValue: 0 })
  seed!: number;
}

@ObjectType({ description: 'A token whose probability the steering moved.' })
export class ChangedToken {
  @Field(() => Int)
  id!: number;

  @Field(() => String)
  text!: string;

  @Field(() => Float)
  steered!: number;

  @Field(() => Float, { name: 'default' })
  default!: number;
}

@ObjectType({ description: 'A generated token.' })
export class GeneratedToken {
  @Field(() => Int)
  id!: number;

  @Field(() => String)
  text!: string;

  @Field(() => Float, { description: 'ln p of the token under the (steered) model, before sampling options.' })
  logprob!: number;

  @Field(() => [ChangedToken], {
    nullable: true,
    description: 'Steered continuation only: the tokens whose probability changed most here.',
  })
  changed?: ChangedToken[];
}

@ObjectType({ description: 'A continuation of the prompt.' })
export class Generation {
  @Field(() => String)
  text!: string;

  @Field(() => [GeneratedToken])
  tokens!: GeneratedToken[];
}

@ObjectType({ description: 'The default and the steered continuation of a prompt, from the same seed.' })
export class SteerResult {
  @Field(() => String)
  modelName!: string;

  @Field(() => Int)
  promptTokens!: number;

  @Field(() => Generation, { name: 'default' })
  default!: Generation;

  @Field(() => Generation)
  steered!: Generation;

  @Field(() => Float)
  elapsedMs!: number;
}

@ObjectType({ description: 'One token of a streamed steer: of the default run (first), then of the steered run.' })
export class SteerStreamEvent {
  @Field(() => String, { description: '"default" or "steered".' })
  run!: string;

  @Field(() => GeneratedToken, { nullable: true })
  token?: GeneratedToken | null;

  @Field(() => SteerResult, { nullable: true, description: 'The whole result, in the last event only.' })
  result?: SteerResult | null;
}
