"""The change feed: ``changes.since`` paging, and the state a subscription keeps
to resume after a reconnect (ipc/README.md, events and the change feed)."""

import collections

from .daemon import NEWEST_CURSOR


def _since_params(cursor, topics, db_id, limit=None):
    params = {"cursor": cursor}
    if topics and "*" not in topics:
        params["topics"] = list(topics)
    if db_id:
        params["db_id"] = db_id
    if limit:
        params["limit"] = limit
    return params


class Feed:
    """The changes after a cursor, page by page as they are iterated.

    ``fresh_instance`` is known at once (the first page is fetched on creation):
    True when ``db_id`` names another database or the cursor was trimmed away, and
    the caller must re-read everything instead of applying changes. ``cursor`` is
    where the iteration has got to: pass it (and ``db_id``) next time.
    """

    def __init__(self, call, cursor, topics, db_id, limit):
        self._call = call
        self._topics = topics
        self._limit = limit
        self.cursor = cursor
        self._page = self._fetch(db_id)
        self.fresh_instance = bool(self._page["fresh_instance"])
        if self.fresh_instance:
            self.cursor = self._page["cursor"]

    def _fetch(self, db_id):
        page = self._call("changes.since", _since_params(self.cursor, self._topics, db_id,
                                                         self._limit))
        self.db_id = page["db_id"]
        return page

    def __iter__(self):
        page = self._page
        while page is not None:
            for change in page["changes"]:
                self.cursor = change["cursor"]
                yield change
            self.cursor = page["cursor"]
            page = self._fetch(self.db_id) if page["has_more"] else None
        self._page = {"changes": [], "cursor": self.cursor, "has_more": False}


class FeedState:
    """What a subscription has seen: the last cursor and the database's id. After
    a (re)subscribe, ``catch_up`` replays the changes missed since then (marked
    ``replayed: True``); live events at or before the replayed cursor are dropped
    as duplicates. A replaced database queues a ``fresh_instance`` notice."""

    def __init__(self, topics, cursor, db_id):
        self.topics = topics
        self.cursor = cursor
        self.db_id = db_id
        self.replayed_through = 0
        self.fresh_instance = False
        self.queue = collections.deque()

    def pop(self):
        return self.queue.popleft() if self.queue else None

    # Sync and async drivers both: first = first_request(); reply = call(first);
    # while not apply(reply): reply = call(next_request()).
    def first_request(self):
        if self.cursor is None:  # from now: learn the newest cursor and the db_id
            return {"cursor": NEWEST_CURSOR}
        return self.next_request()

    def next_request(self):
        return _since_params(self.cursor, self.topics, self.db_id)

    def apply(self, reply):
        """Takes one changes.since reply; True when caught up."""
        starting = self.cursor is None
        if reply["fresh_instance"] and not starting:
            self._fresh(reply["db_id"], reply["cursor"])
            return True
        if not starting:
            for change in reply["changes"]:
                change["replayed"] = True
                self.queue.append(change)
        self.cursor = reply["cursor"]
        self.db_id = reply["db_id"]
        # From now: events that commit between the subscribe and this reply come
        # live with cursors up to it, and were not replayed.
        self.replayed_through = 0 if starting else self.cursor
        return starting or not reply["has_more"]

    def catch_up(self, call):
        reply = call("changes.since", self.first_request())
        while not self.apply(reply):
            reply = call("changes.since", self.next_request())

    def _fresh(self, db_id, cursor):
        self.fresh_instance = True
        self.queue.append({"topic": "*", "kind": "fresh_instance", "id": db_id, "db_id": db_id,
                           "previous_db_id": self.db_id, "cursor": cursor})
        self.db_id = db_id
        self.cursor = cursor
        self.replayed_through = cursor

    def offer(self, note):
        """Takes one notification ``(method, params)``."""
        method, params = note
        if method != "event":
            return
        for event in params if isinstance(params, list) else [params]:
            if not isinstance(event, dict):
                continue
            cursor = event.get("cursor") or 0
            if event.get("topic") == "db" and event.get("kind") == "restored":
                self.queue.append(event)
                self._fresh(event.get("id"), cursor)
                continue
            if cursor and cursor <= self.replayed_through:
                continue  # already replayed by changes.since
            if cursor and cursor > (self.cursor or 0):
                self.cursor = cursor
            self.queue.append(event)
