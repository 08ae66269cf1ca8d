-- BG/NBD and Gamma-Gamma input: paid spend per member and calendar day up to $as_of
-- (several orders on one day are one purchase, as in the RFM summary).
select
    member_key,
    cast(paid_at as date) as day,
    cast(sum(amount) as double) as amount
from orders
where status = 'paid'
  and cast(paid_at as date) <= cast($as_of as date)
group by member_key, day
order by member_key, day
