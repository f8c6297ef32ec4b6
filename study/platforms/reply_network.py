"""The reply network (A replied to B): as a graph, and its measures per organisation.

:func:`reply_network` builds an organisation's network with networkx for analysis
beyond the measures; :func:`degree_centralisation` is Freeman's (1979) index of a graph;
:func:`network_measures` computes reciprocity and degree centralisation for every
organisation at once on integer arrays, with the same results. Pure: no database.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from study.platforms.message_frames import WorkingHours, prepared_messages


def network_measures(a: dict[str, np.ndarray], n_orgs: int) -> pd.DataFrame:
    """Per organisation: reciprocity and degree centralisation of the reply network.

    Counted on unique ties with integer arithmetic, so the result is exactly
    ``networkx.reciprocity`` and :func:`degree_centralisation` of
    :func:`reply_network`'s graph (the tests check both), at a fraction of the cost.
    """
    parent = a["parent"]
    parent_person = np.where(parent >= 0, a["person"][np.maximum(parent, 0)], -1)
    keep = a["is_reply"] & (parent_person >= 0) & (parent_person != a["person"])
    span = a["n_people"] + 1
    org, source, target = a["org"][keep], a["person"][keep], parent_person[keep]
    ties = np.unique((org * span + source) * span + target)
    org, rest = np.divmod(ties, span * span)
    source, target = np.divmod(rest, span)
    returned = np.isin(ties, (org * span + target) * span + source)
    pairs = np.unique((org * span + np.minimum(source, target)) * span + np.maximum(source, target))
    pair_org, pair_rest = np.divmod(pairs, span * span)
    low, high = np.divmod(pair_rest, span)
    nodes_org = np.concatenate([pair_org, pair_org])
    nodes = np.concatenate([low, high])
    node_key, degree = np.unique(nodes_org * span + nodes, return_counts=True)
    node_org = node_key // span
    rows = []
    for code in range(n_orgs):
        edges = int((org == code).sum())
        d = degree[node_org == code]
        size = len(d)
        rows.append(
            {
                "reciprocity": int(returned[org == code].sum()) / edges if edges else float("nan"),
                "degree_centralisation": int((d.max() - d).sum()) / ((size - 1) * (size - 2))
                if size >= 3
                else float("nan"),
                "network_people": size,
                "network_ties": edges,
            }
        )
    return pd.DataFrame(
        rows, columns=["reciprocity", "degree_centralisation", "network_people", "network_ties"]
    )


def degree_centralisation(graph: nx.Graph) -> float:
    """Freeman's (1979) degree centralisation of an undirected graph; NaN below 3 nodes.

    ``sum(max_degree - degree_i) / ((n - 1) * (n - 2))``: 1 for a star, 0 for a regular graph.
    """
    n = graph.number_of_nodes()
    if n < 3:
        return float("nan")
    degrees = [d for _, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def reply_network(messages: pd.DataFrame, people: pd.DataFrame, organisation: str) -> nx.DiGraph:
    """The organisation's reply network: an edge A -> B, weighted, when A replied to B.

    For network analysis beyond the two measures (e.g. ``networkx.write_graphml``);
    nodes are the stored person ids (pseudonymous).
    """
    m, _ = prepared_messages(messages, people, WorkingHours())
    ties = m.loc[
        (m["organisation"] == organisation)
        & m["is_reply"]
        & m["parent_person"].notna()
        & (m["parent_person"] != m["person"])
    ]
    graph = nx.DiGraph()
    for (a, b), weight in ties.groupby(["person", "parent_person"]).size().items():
        graph.add_edge(int(a), int(b), weight=int(weight))
    return graph
