-- Schema version 20: labels an admin sets for channel and region codes (core/labels.py).
-- A code without a row here shows its catalogue label, or itself; the labels are
-- programme data (not a member's), each change audited as label.set.
create table code_labels (
    kind varchar not null,                    -- channel / region
    code varchar not null,                    -- as stored in members.channel / members.region
    label_zh varchar,
    label_en varchar,
    updated_by varchar not null,              -- staff account
    updated_at timestamp not null,            -- UTC
    primary key (kind, code)
);
