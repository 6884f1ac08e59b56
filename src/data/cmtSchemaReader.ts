import { checkXmlSize } from '../solutions/xml';
import { asCmtFormatError, CmtFormatError, type CmtEntity, type CmtField, type CmtRelationship, type CmtSchema } from './cmtSchema';
import { XmlTagReader, type XmlTag } from './xmlTags';

/** Elements read from one of two places: a list element's children (`<fields>`), else the parent's own. */
class EitherPlace<T> {
  /** Items in the first list element. */
  readonly listed: T[] = [];
  /** Items that are the parent's own children. */
  readonly own: T[] = [];
  /** 'before' the first list element opens, 'inside' it, 'after' it closes. */
  list: 'before' | 'inside' | 'after' = 'before';

  /** The items, as a DOM reader finds them: in the first list element if there is one, else the parent's own. */
  get items(): T[] {
    return this.list === 'before' ? this.own : this.listed;
  }
}

const isTrue = (value: string | undefined) => /^true$/i.test(value ?? '');

function fieldOf(tag: XmlTag): CmtField {
  return {
    name: (tag.attribute('name') ?? '').toLowerCase(),
    displayname: tag.attribute('displayname') ?? '',
    type: (tag.attribute('type') ?? 'string').toLowerCase(),
    lookupType: tag.attribute('lookupType') || undefined,
    customfield: isTrue(tag.attribute('customfield')) || undefined,
    primaryKey: isTrue(tag.attribute('primaryKey')) || undefined,
    updateCompare: isTrue(tag.attribute('updateCompare')) || undefined,
  };
}

function relationshipOf(tag: XmlTag): CmtRelationship {
  const reflexive = tag.attribute('isreflexive');
  return {
    name: tag.attribute('name') ?? '',
    manyToMany: isTrue(tag.attribute('manyToMany')),
    isreflexive: reflexive === undefined ? undefined : isTrue(reflexive),
    relatedEntityName: tag.attribute('relatedEntityName') || undefined,
    m2mTargetEntity: tag.attribute('m2mTargetEntity')?.toLowerCase() || undefined,
    m2mTargetEntityPrimaryKey: tag.attribute('m2mTargetEntityPrimaryKey')?.toLowerCase() || undefined,
  };
}

function entityOf(tag: XmlTag, file: string): CmtEntity {
  const name = (tag.attribute('name') ?? '').toLowerCase();
  if (!name) throw new CmtFormatError(`${file}: an <entity> has no name.`);
  const etc = tag.attribute('etc');
  return {
    name,
    displayname: tag.attribute('displayname') ?? name,
    etc: etc && /^\d+$/.test(etc) ? Number(etc) : undefined,
    primaryidfield: (tag.attribute('primaryidfield') || `${name}id`).toLowerCase(),
    primarynamefield: (tag.attribute('primarynamefield') ?? '').toLowerCase(),
    disableplugins: isTrue(tag.attribute('disableplugins')),
    fields: [],
    relationships: [],
    filter: undefined,
  };
}

/**
 * Reads data_schema.xml with the strict reader data.xml is read with: the entities with their
 * fields and relationships, their filters and the import order. Where the tool puts an element
 * inside a list (`<fields>`), one written without the list is read too, as the DOM reader this
 * replaced did (which took several times longer in a new process, for loading its own modules).
 * What is wrong is reported as reading meets it: a nameless entity before a later syntax error.
 */
export function readSchema(xml: Buffer | string, file: string): CmtSchema {
  checkXmlSize(typeof xml === 'string' ? xml.length : xml.byteLength, file);
  const source = typeof xml === 'string' ? xml : xml.toString('utf8');
  const entities: CmtEntity[] = [];
  const order = new EitherPlace<string>();
  let entity: CmtEntity | undefined;
  let fields = new EitherPlace<CmtField>();
  let relationships = new EitherPlace<CmtRelationship>();
  /** Whether this entity's first <filter> was met: only its text is the filter. */
  let filterMet = false;
  /** The text of the element being read, at `textDepth` (its descendants' text included). */
  let text = '';
  let textDepth = 0;
  const readText = () => {
    text = '';
    textDepth = reader.depth;
    reader.wantText = true;
  };
  const reader: XmlTagReader = new XmlTagReader({
    open(tag) {
      const depth = reader.depth;
      const parent = reader.parentName;
      if (depth === 1) {
        if (tag.name !== 'entities')
          throw new CmtFormatError(`${file} is not a Configuration Migration schema (its root is <${tag.name}>, not <entities>).`);
      } else if (depth === 2) {
        if (tag.name === 'entity') {
          entity = entityOf(tag, file);
          fields = new EitherPlace<CmtField>();
          relationships = new EitherPlace<CmtRelationship>();
          filterMet = false;
        } else if (tag.name === 'entityImportOrder' && order.list === 'before') order.list = 'inside';
        else if (tag.name === 'entityName') readText();
      } else if (depth === 3 && entity && parent === 'entity') {
        if (tag.name === 'fields' && fields.list === 'before') fields.list = 'inside';
        else if (tag.name === 'relationships' && relationships.list === 'before') relationships.list = 'inside';
        else if (tag.name === 'field') fields.own.push(fieldOf(tag));
        else if (tag.name === 'relationship') relationships.own.push(relationshipOf(tag));
        else if (tag.name === 'filter' && !filterMet) {
          filterMet = true;
          readText();
        }
      } else if (depth === 4 && entity && tag.name === 'field' && parent === 'fields' && fields.list === 'inside')
        fields.listed.push(fieldOf(tag));
      else if (depth === 4 && entity && tag.name === 'relationship' && parent === 'relationships' && relationships.list === 'inside')
        relationships.listed.push(relationshipOf(tag));
      else if (depth === 3 && tag.name === 'entityName' && parent === 'entityImportOrder' && order.list === 'inside') readText();
    },
    close(name) {
      const depth = reader.depth + 1;
      if (reader.wantText && depth === textDepth) {
        reader.wantText = false;
        if (name === 'filter' && entity) entity.filter = text.trim() || undefined;
        else if (name === 'entityName') {
          const table = text.trim().toLowerCase();
          if (table) (depth === 2 ? order.own : order.listed).push(table);
        }
        text = '';
      } else if (depth === 2 && name === 'entity' && entity) {
        entity.fields = fields.items;
        entity.relationships = relationships.items;
        entities.push(entity);
        entity = undefined;
      } else if (depth === 2 && name === 'entityImportOrder' && order.list === 'inside') order.list = 'after';
      else if (depth === 3 && name === 'fields' && fields.list === 'inside') fields.list = 'after';
      else if (depth === 3 && name === 'relationships' && relationships.list === 'inside') relationships.list = 'after';
    },
    text(piece) {
      text += piece;
    },
  });
  try {
    reader.write(source.replace(/^\uFEFF/, ''));
    reader.end();
  } catch (error) {
    throw asCmtFormatError(error, file);
  }
  return { entities, importOrder: order.items.length ? order.items : undefined };
}
