"""The job tier: image jobs (a generation, an edit, a campaign tile) are submitted to a queue and run
by a worker, which appends what happens to the job's own event log; pages, the studio API and the
command line follow that log. The log outlives the process that asked (with Redis), so a tab that
reconnects anywhere picks the job up where it is.

    spec.py          what a job is (JSON-able: it crosses Redis)
    events.py        what a job's log holds (queued, step, final, email, failed, cancelled, ...)
    event_log.py     the per-job log: in memory, or a Redis Stream with a TTL
    cancel_channel.py  a Cancel reaching the process that runs the job
    stream_slots.py  how many provider streams run at once (global, per campaign), and the 429 pause
    claims.py        who runs a job: a job delivered twice runs once, and one that reached a provider never twice
    provider.py      the provider client a worker uses (keys from its environment)
    runner.py        one job, run: slots, lease, provider stream -> stored files -> events
    bus.py           the pieces chosen by configuration (memory or Redis), submit / cancel / follow
    queue.py         the taskiq broker and task, and the embedded worker

No Reflex here (tests/test_domain_is_reflex_free.py).
"""
