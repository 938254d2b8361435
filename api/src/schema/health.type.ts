// GraphQL type of the health query.
import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Whether the api and its database answer.' })
export class Health {
  @Field(() => String, { description: '"ok" when the database answered.' })
  status!: string;

  @Field(() => String, { description: 'pglite (embedded) or postgres.' })
  database!: string;

  @Field(() => String, { description: 'pgvector version on the database.' })
  vectorVersion!: string;

  @Field(() => Number, { description: 'Seconds since the api started.' })
  uptimeSeconds!: number;
}
