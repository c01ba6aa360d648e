"""The call queue: campaigns, rounds, claims under a lease, outcomes and call-backs.

    from outbound.queue import campaigns, claim, outcomes, progress

    cid = campaigns.create_campaign(db, "care_capacity_tracker", "Care tracker")
    campaigns.enrol(db, cid, where=ContactFilter(source="Care providers (CQC)"))
    campaigns.generate_round(db, cid, date.today())
    task = claim.claim_next_task(db, "Sam", cid)
    outcomes.record_outcome(db, task.task_id, "Sam", "completed", answers=answers,
                            duration_seconds=95)
"""
