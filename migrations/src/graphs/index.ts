export * from './graphStore.js';
