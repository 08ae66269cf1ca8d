-- The first $limit rejected rows of import $import_id, in file and line order.
select table_name, file, line, column_name, reason, raw_text
from import_rejects
where import_id = $import_id
order by table_name, file, line nulls last
limit $limit
