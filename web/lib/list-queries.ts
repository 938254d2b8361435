// Feature lists' operations (issue 21): the index, one list with its items' features, and the writes, each of which
// answers the list as the page shows it (ListFields), so a page redraws from the answer without reading again.
import { graphql } from './gql';
import type { ListFieldsFragment } from './gql/graphql';

export const LIST_FIELDS = graphql(`
  fragment ListFields on FeatureList {
    id
    name
    description
    visibility
    updatedAt
    exportJson
    items {
      id
      featureIndex
      note
      position
      dictionary {
        id
        name
      }
      feature {
        index
        label
        density
        maxActivation
        explanations {
          text
        }
        topActivations(first: 1) {
          tokens
          activations
          maxActivation
          maxPosition
          docIndex
          tokenStart
        }
      }
    }
  }
`);

export type ListView = ListFieldsFragment;

export const LIST_PAGE = graphql(`
  query ListPage($id: ID!) {
    list(id: $id) {
      ...ListFields
    }
  }
`);

export const LIST_INDEX = graphql(`
  query ListIndex {
    lists {
      id
      name
      description
      visibility
      itemCount
      updatedAt
    }
  }
`);

export const CREATE_LIST = graphql(`
  mutation CreateList($name: String!, $description: String, $visibility: ListVisibility) {
    createList(name: $name, description: $description, visibility: $visibility) {
      id
      name
    }
  }
`);

export const ADD_TO_LIST = graphql(`
  mutation AddToList($listId: ID!, $d: ID!, $i: Int!, $note: String) {
    addToList(listId: $listId, dictionaryId: $d, index: $i, note: $note) {
      id
      name
      itemCount
    }
  }
`);

export const REMOVE_FROM_LIST = graphql(`
  mutation RemoveFromList($listId: ID!, $itemId: ID!) {
    removeFromList(listId: $listId, itemId: $itemId) {
      ...ListFields
    }
  }
`);

export const REORDER_LIST = graphql(`
  mutation ReorderList($listId: ID!, $itemIds: [ID!]!) {
    reorderList(listId: $listId, itemIds: $itemIds) {
      ...ListFields
    }
  }
`);

export const DELETE_LIST = graphql(`
  mutation DeleteList($id: ID!) {
    deleteList(id: $id)
  }
`);
