-- The latest $limit imports with their files and row counts, newest first.
with latest as (
    select import_id, started_at, finished_at, source, mode, status, actor
    from imports
    order by import_id desc
    limit $limit
),

files as (
    select
        import_id,
        string_agg(table_name || ': ' || file, '; ' order by table_name, file) as files,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_inserted) as rows_inserted,
        sum(rows_rejected) as rows_rejected
    from import_files
    group by import_id
),

final as (
    select
        latest.import_id,
        latest.started_at,
        latest.finished_at,
        latest.status,
        latest.mode,
        latest.actor,
        latest.source,
        files.files,
        coalesce(files.rows_read, 0) as rows_read,
        coalesce(files.rows_loaded, 0) as rows_loaded,
        coalesce(files.rows_inserted, 0) as rows_inserted,
        coalesce(files.rows_rejected, 0) as rows_rejected
    from latest
    left join files on files.import_id = latest.import_id
)

select * from final
order by import_id desc
