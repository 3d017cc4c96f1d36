import type { CreateTableBuilder, Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** What a template and each of its versions hold: the sources and how they are used. */
const templateColumns = (t: CreateTableBuilder<any, any>) =>
  t
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(64)')
    .addColumn('layout', 'varchar(64)')
    .addColumn('locales', 'text', (c) => c.notNull())
    .addColumn('sample_data', 'text', (c) => c.notNull());

/** What a layout and a template's current version have beside their content: shipped or not, version, times, last editor. */
const editable = <TB extends string, C extends string>(t: CreateTableBuilder<TB, C>) =>
  t
    .addColumn('built_in', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(400)');

/**
 * Templates and layouts. A template's current version is one row of `templates`; every version
 * (the current one too) is a row of `template_versions`, which a delete leaves in place so the
 * log's references keep resolving. A message records the template key, version and locale that
 * rendered it at accept time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('layouts')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .$call(editable)
    .execute();
  await templateColumns(db.schema.createTable('templates').addColumn('key', 'varchar(64)', (c) => c.primaryKey()))
    .$call(editable)
    .execute();
  await db.schema.createIndex('templates_layout_idx').on('templates').column('layout').execute();
  await templateColumns(db.schema.createTable('template_versions').addColumn('key', 'varchar(64)', (c) => c.notNull()).addColumn('version', 'integer', (c) => c.notNull()))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(400)')
    .addPrimaryKeyConstraint('template_versions_pk', ['key', 'version'])
    .execute();
  await db.schema.alterTable('messages').addColumn('template_key', 'varchar(64)').execute();
  await db.schema.alterTable('messages').addColumn('template_version', 'integer').execute();
  await db.schema.alterTable('messages').addColumn('template_locale', 'varchar(35)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('template_locale').execute();
  await db.schema.alterTable('messages').dropColumn('template_version').execute();
  await db.schema.alterTable('messages').dropColumn('template_key').execute();
  await db.schema.dropTable('template_versions').execute();
  await db.schema.dropTable('templates').execute();
  await db.schema.dropTable('layouts').execute();
}
