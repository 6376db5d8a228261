/**
 * Sample content for Broadsheet's demo database.
 *
 * Everything here is fictional: Greyhaven is an invented city, and every
 * person quoted or named is made up. Real place names (Kraków, Zürich,
 * São Paulo, Reykjavík …) appear only as background colour.
 *
 * The content deliberately exercises typography and Unicode handling:
 * curly quotes, apostrophes, en and em dashes, ellipses, diacritics,
 * a right-to-left (Arabic) passage and a few emoji.
 */

export interface SeedAuthor {
  key: string
  slug: string
  name: string
  email: string
  bio: string
  avatarUrl: string | null
  website: string | null
}

export interface SeedArticle {
  key: string
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  authorKey: string
  createdAt: string
  publishedAt: string | null
  scheduledInDays?: number
}

export interface SeedComment {
  key: string
  articleKey: string
  parentKey?: string
  authorName: string
  authorEmail: string
  body: string
  status: 'pending' | 'approved' | 'spam' | 'rejected'
  createdAt: string
}

// ---------------------------------------------------------------------------
// Authors
// ---------------------------------------------------------------------------

export const authors: SeedAuthor[] = [
  {
    key: 'malgorzata',
    slug: 'malgorzata-wrobel-ekstrom',
    name: 'Małgorzata Wróbel-Ekström',
    email: 'm.wrobel-ekstrom@example.org',
    bio: 'City hall correspondent. Has covered Greyhaven council since 2014 and still reads the budget papers for fun. Previously a local reporter in Kraków and Malmö.',
    avatarUrl: 'https://images.example.org/avatars/malgorzata-wrobel-ekstrom.jpg',
    website: 'https://malgorzata.example.org',
  },
  {
    key: 'thuha',
    slug: 'dang-thu-ha',
    name: 'Đặng Thu Hà',
    email: 'thu.ha.dang@example.org',
    bio: 'Science and climate reporter. Trained as a hydrologist in Hà Nội and Delft before swapping fieldwork for deadlines. Writes about heat, water and the data behind the headlines.',
    avatarUrl: 'https://images.example.org/avatars/dang-thu-ha.jpg',
    website: null,
  },
  {
    key: 'joao',
    slug: 'joao-araujo-goncalves',
    name: 'João Araújo Gonçalves',
    email: 'joao.goncalves@example.com',
    bio: 'Sports editor. Grew up in Porto watching football from the terraces; now covers everything from Harbour FC to the city’s amateur rowing clubs. Runs the Greyhaven Marathon every year — slowly.',
    avatarUrl: null,
    website: 'https://joao-runs.example.org',
  },
  {
    key: 'siobhan',
    slug: 'siobhan-ni-bhriain',
    name: 'Siobhán Ní Bhriain',
    email: 'siobhan.nibhriain@example.org',
    bio: 'Culture writer covering books, film, music and the arts across Greyhaven. Fluent in Irish and English; learning Icelandic, badly.',
    avatarUrl: 'https://images.example.org/avatars/siobhan-ni-bhriain.jpg',
    website: null,
  },
  {
    key: 'yusuf',
    slug: 'yusuf-caglar-ozturk',
    name: 'Yusuf Çağlar Öztürk',
    email: 'yusuf.ozturk@example.net',
    bio: 'Technology and business reporter. A former software developer from İzmir, he writes about data, privacy and the local economy, and believes every privacy policy deserves to be read at least once.',
    avatarUrl: 'https://images.example.org/avatars/yusuf-caglar-ozturk.jpg',
    website: 'https://yusuf.example.org',
  },
]

// ---------------------------------------------------------------------------
// Articles — 10 published, 3 drafts, 1 scheduled
// ---------------------------------------------------------------------------

export const articles: SeedArticle[] = [
  // --- Published ------------------------------------------------------------
  {
    key: 'tram-opening',
    slug: 'riverside-tram-line-9-stops-3-years-late-and-finally-open',
    title: 'Riverside tram line: 9 stops, 3 years late — and finally open',
    excerpt:
      'The first passengers boarded the Riverside line at 05:40 on Monday. We rode it end to end to see whether it was worth the wait.',
    body: `At 05:40 on Monday morning, a silver tram eased out of Eastbank depot with exactly eleven passengers on board, three of them transport enthusiasts who had been waiting since four o’clock. 🚋 The Riverside line — 6.8 km, nine stops and roughly three years behind its original schedule — is finally carrying people.

The project was approved in 2018 and was meant to open in 2023. Delays followed: a contractor’s insolvency, a flooded cutting near Millford, and what the transport authority politely calls “unforeseen archaeology” — the remains of a medieval tannery under what is now the Tannery Square stop.

## End to end in 19 minutes

We timed the full journey at 19 minutes, against a timetable of 18. Trams run every six minutes at peak and every ten in the evening. Fares match the bus network, and tickets can be used on connecting buses for 90 minutes.

> “I used to leave home at quarter to seven to make an eight o’clock shift. Tomorrow I can leave at twenty past.”
> — Halina, a care worker from Saltmarsh

Not everyone is celebrating. Shop owners along Quay Road say the construction years of 2020–2025 cost them customers who never came back, and that the compensation scheme paid out, on average, *less than a month’s rent*. “The tram is beautiful,” said one café owner. “I’m just not sure I’ll still be here to see it in five years…”

Planners point to Kraków and Zürich, where new tram lines drew trade back to their corridors within a few years. Whether Greyhaven follows that pattern will depend partly on the second phase — a northern extension that is still waiting for funding.`,
    tags: ['transport', 'city-hall', 'climate'],
    authorKey: 'thuha',
    createdAt: '2026-08-03T06:10:00.000Z',
    publishedAt: '2026-08-03T11:30:00.000Z',
  },
  {
    key: 'hot-nights',
    slug: 'why-greyhavens-summer-nights-stopped-cooling-down',
    title: 'Why Greyhaven’s summer nights stopped cooling down',
    excerpt:
      'The city centre stayed above 20 °C on 23 nights this summer — more than in the whole of 1991–2000. Researchers say concrete, not just the climate, is to blame.',
    body: `When the sun goes down, cities are supposed to exhale. This summer, Greyhaven barely did. A study published on Tuesday by researchers at Greyhaven University found that the centre’s overnight temperature stayed above 20 °C on 23 nights between June and August — compared with 17 such nights across the *entire decade* of 1991–2000.

## The heat island, measured street by street

The team, led by climatologist Dr Ingrid Þórðardóttir, fixed 140 small sensors to lamp posts across the city, from the dense lanes of Old Town to the allotments of Saltmarsh. On the hottest night, the difference at 3 a.m. was striking: 24.1 °C on Market Street, 17.6 °C beside the Wren reservoir.

“Stone, asphalt and brick soak up heat all day and give it back all night,” Þórðardóttir explained. She previously ran a similar project in Reykjavík, where, she notes with a smile, “the problem was rather the opposite”.

The study identifies three factors that matter most:

1. **Surface materials** — dark roofs and roads store the most heat
2. **Tree canopy** — streets with more than 30% cover were up to 4 °C cooler
3. **Air flow** — tall, unbroken façades trap warm air in narrow streets

## Why nights matter

Hot nights are not just uncomfortable. The body relies on cooler night-time temperatures to recover, and the researchers link runs of warm nights to a rise in emergency admissions among people over 75. The city’s public health team said it would review the findings before next summer’s heat plan.

The full dataset is available on the [university’s open data portal](https://data.greyhaven-university.example.org/heat-2026).`,
    tags: ['climate', 'science', 'health', 'data'],
    authorKey: 'thuha',
    createdAt: '2026-08-17T14:20:00.000Z',
    publishedAt: '2026-08-19T05:45:00.000Z',
  },
  {
    key: 'poetry-festival',
    slug: 'poets-across-borders-the-festival-that-reads-in-11-languages',
    title: 'Poets across borders: the festival that reads in 11 languages',
    excerpt:
      'At this year’s Wren Poetry Festival, every poem is read twice — once in its original language, once in English. The result is slower, stranger and rather wonderful.',
    body: `There is a moment, about halfway through each reading at the Wren Poetry Festival, when the room goes completely quiet. The poet has finished in their own language; the translator has not yet begun. For a few seconds nobody in the audience is quite sure what they have just heard — and that, says festival director Siddharth Rao-Nilsson, is the point.

“We are so used to understanding everything instantly,” he said. “Here you have to sit with not knowing for a moment. It’s uncomfortable, and then it isn’t.”

## Eleven languages, one stage

This year’s programme features poets writing in Polish, Icelandic, Portuguese, Vietnamese, Arabic, Turkish and five other languages, many of them Greyhaven residents. Among the highlights was Layla Haddad, a retired pharmacist from Eastbank, who opened Friday’s session with a short poem about the city’s old ferry. Its final line drew applause before the translation had even been read:

> المدينة تُكتب بأصوات سكانها
>
> *The city is written in the voices of the people who live in it.*

Haddad, who only began writing at 61, said she had never imagined reading her work in public. “My grandchildren told me my poems were too old-fashioned,” she laughed. “Now they want tickets.”

Other readers included a student from São Paulo who performed a sequence about night buses, and a fisherman-turned-poet from Húsavík whose work — short, dry, often very funny — was the surprise hit of the weekend. The festival continues until Sunday at the Corn Exchange; most events are free, and the full programme is on the [festival website](https://poetry.greyhaven.example.org).`,
    tags: ['culture', 'arts', 'community', 'events'],
    authorKey: 'siobhan',
    createdAt: '2026-09-11T16:00:00.000Z',
    publishedAt: '2026-09-12T09:00:00.000Z',
  },
  {
    key: 'parking-app',
    slug: 'the-citys-new-parking-app-convenient-clever-and-collecting-a-lot-of-data',
    title: 'The city’s new parking app: convenient, clever… and collecting a lot of data',
    excerpt:
      'ParkGrey lets drivers pay by phone and find free spaces in real time. Its privacy policy, we found, runs to more than 9,000 words — and allows more than most users would expect.',
    body: `Since its launch in July, ParkGrey has been downloaded more than 60,000 times — roughly once for every three adults in Greyhaven. The app, built for the council by a private contractor, lets drivers pay for parking, extend their stay remotely and see which streets have free spaces, using sensors set into the road surface.

By most accounts it works well. But when we read its privacy policy — all 9,112 words of it — we found that the app collects considerably more than a number plate and a payment card.

## What the app collects

According to the policy, ParkGrey may record:

- the precise location of the phone *while the app is open*, and in some cases in the background
- the vehicle’s registration, make and colour
- a history of every parking session, kept for up to six years
- “device identifiers and usage analytics”, which may be shared with “selected partners”

The council says background location is off by default and that data is never sold. “The app collects what it needs to run a parking service, and nothing is passed on for advertising,” a spokesperson said.

## “Selected partners”

Privacy researcher Oluwaseun Adébáyọ̀-Kristiansen was less reassured. “Six years is a very long time to keep a detailed record of where someone parked,” she said. “And ‘selected partners’ is the kind of phrase that can mean almost anything.”

Following our questions, the council said it would publish a list of its data processors by the end of the year and review the retention period. Readers can check their own settings under **Profile → Privacy**.`,
    tags: ['technology', 'privacy', 'city-hall', 'transport', 'data'],
    authorKey: 'yusuf',
    createdAt: '2026-09-24T10:45:00.000Z',
    publishedAt: '2026-09-28T07:00:00.000Z',
  },
  {
    key: 'harbour-comeback',
    slug: 'harbour-fcs-comeback-we-stopped-being-afraid-of-the-ball',
    title: 'Harbour FC’s comeback: ‘We stopped being afraid of the ball’',
    excerpt:
      'Two goals down at half-time and bottom of the table since August — then came 45 minutes that may have saved Harbour FC’s season.',
    body: `For 45 minutes on Saturday, Harbour FC looked exactly like a team that had not won since August. They were slow to the ball, careless in possession and 2–0 down to Millford Athletic when the half-time whistle offered some relief. Some supporters in the East Stand didn’t wait for the second half.

They missed one of the more remarkable turnarounds the Quayside Ground has seen in years.

## Three goals in 19 minutes

The change began with a substitution. Coach Beatriz Nogueira-Holm replaced her holding midfielder with 18-year-old academy graduate Kofi Mensah-Larsen, and within four minutes his through ball had set up Dani Ortíz for the first. Ortíz added a second from the penalty spot on 63 minutes, and Mensah-Larsen curled in the winner from the edge of the box on 70 — his first senior goal.

“In the first half everyone was hiding,” Mensah-Larsen said afterwards, still slightly out of breath. “In the second half we stopped being afraid of the ball. That’s all it was.” His coach was asked what she had said at the break. “I didn’t shout,” Nogueira-Holm insisted, before pausing. “Okay — maybe a little.”

## Still a long way to go

The win lifts Harbour off the bottom for the first time in seven weeks, but only on goal difference. Their next three fixtures — away at Saltmarsh Rovers, at home to leaders Northgate, then the derby — will decide whether Saturday was a turning point or a footnote.

*Final score: Harbour FC 3–2 Millford Athletic. Attendance: 4,812.*`,
    tags: ['sport', 'community'],
    authorKey: 'joao',
    createdAt: '2026-10-03T19:05:00.000Z',
    publishedAt: '2026-10-03T21:15:00.000Z',
  },
  {
    key: 'ferreira-bakery',
    slug: 'after-62-years-the-ferreira-bakery-on-dock-lane-changes-hands',
    title: 'After 62 years, the Ferreira bakery on Dock Lane changes hands',
    excerpt:
      'When Rosa Ferreira’s parents arrived from São Paulo in 1964, they baked bread in a borrowed kitchen. Now the family is handing the business to two of its longest-serving bakers.',
    body: `The queue outside Padaria Ferreira on Saturday morning stretched past the launderette and round the corner into Net Street. Some customers had come for the *pão de queijo*; most had come to say thank you.

After 62 years, the bakery that Rosa Ferreira’s parents started in 1964 is changing hands. Rosa, now 71, is retiring, and the business will pass not to a chain or a developer but to two of her staff — Ahmet Yıldız and Mirela Kovačević, who between them have worked there for 31 years.

## From a borrowed kitchen

Rosa’s parents, Antônio and Conceição, arrived from São Paulo with “two suitcases and one recipe book”, as she puts it. For the first two years they baked overnight in the kitchen of a friend’s restaurant and sold bread from a handcart at the docks. The shop on Dock Lane opened in 1966.

“My father used to say bread is the most honest food,” Rosa said. “Flour, water, salt, time. You can’t lie about any of them.”

## Keeping it local

The new owners bought the business with help from a council-backed loan scheme for employee buyouts — the first time it has been used for a shop. They plan to keep the name, the recipes and, Yıldız insists, the prices “for as long as flour lets us”.

Rosa isn’t going far. “Tuesdays and Thursdays,” she said. “Someone has to check they’re doing the custard tarts properly…”`,
    tags: ['business', 'community'],
    authorKey: 'yusuf',
    createdAt: '2026-10-10T15:30:00.000Z',
    publishedAt: '2026-10-12T08:30:00.000Z',
  },
  {
    key: 'housing-opinion',
    slug: 'opinion-we-keep-studying-the-housing-crisis-its-time-to-build',
    title: 'Opinion: we keep studying the housing crisis — it’s time to build',
    excerpt:
      'Greyhaven has commissioned five housing reviews since 2015, and every one reached roughly the same conclusion. Małgorzata Wróbel-Ekström argues it’s time to stop reading and start building.',
    body: `Since 2015, Greyhaven has commissioned five separate reviews of its housing market. I have read all of them — more than 900 pages in total — and I can save the council the cost of a sixth. They say, with remarkable consistency, the same three things: we have not built enough homes, the homes we have built are too expensive, and the land to fix both problems is already sitting there.

## What we already know

The review covering 2019–2024 identified 41 council-owned sites suitable for housing. As of this month, construction has started on four. Over the same period average rents in the city rose by 38%, and in September the waiting list for social housing passed 9,000 households.

None of this is a mystery. It is a choice — or rather, a long series of small choices not to choose.

> “We don’t need another report. We need a crane.”

That line comes from a housing officer I spoke to last year, who asked not to be named. It has stayed with me because it is both obviously true and, in Greyhaven’s political culture, almost radical.

## Three things the council could do this year

1. **Start building on the ten largest sites it already owns**, through its own housing company rather than waiting for private partners.
2. **Set a deadline**: any site with planning permission that isn’t under construction within two years goes back to the council.
3. **Publish progress every month**, in plain language, so residents can see what is — and isn’t — happening.

None of this is revolutionary; cities from Vienna to Kraków have tried versions of it for decades. What it requires is not another study but the nerve to act on the ones we have. *Stop reading. Start building.*`,
    tags: ['opinion', 'housing', 'city-hall'],
    authorKey: 'malgorzata',
    createdAt: '2026-10-19T12:00:00.000Z',
    publishedAt: '2026-10-22T06:30:00.000Z',
  },
  {
    key: 'budget-2027',
    slug: 'budget-2027-where-the-councils-extra-14m-will-go',
    title: 'Budget 2027: where the council’s extra €14m will go',
    excerpt:
      'Greyhaven’s council approved a 3% rise in local tax on Tuesday night after a five-hour debate. Here’s what changes for bins, buses and libraries — and what doesn’t.',
    body: `Greyhaven City Council approved its 2027 budget late on Tuesday by 31 votes to 24, ending a debate that ran past midnight and, at one point, paused for twenty minutes while the chamber’s heating was fixed. The headline figure — a 3% rise in local tax — will bring in roughly €14 million more than this year.

## Where the money goes

Finance officers broke the extra income down as follows:

- **€5.6m** for adult social care, mostly to cover rising agency costs
- **€2.9m** to restore Sunday opening at four branch libraries, closed on Sundays since 2023
- **€2.2m** for the night bus network, including a new Saltmarsh–Old Town route
- **€1.5m** for food-waste collection, which becomes weekly from April
- **€0.9m** for temporary accommodation for homeless families
- **€0.8m** for repairs to the Wren footbridge

The remainder — about €100,000 — goes into a contingency fund that can only be released by a two-thirds vote of the finance committee.

## What the opposition said

“We are asking households to pay more for services that should never have been cut,” said Councillor Tomasz Brzeziński, who leads the opposition group. “This budget patches holes rather than fixing the road.” His group’s amendment, which would have frozen the tax and funded the libraries from reserves, fell by seven votes.

Deputy leader Amara Osei-Lindgren defended the rise. “Reserves are for emergencies,” she said. “A library that opens on Sundays is not an emergency — it is the bare minimum a city should offer.” She added that the council had compared itself with cities of a similar size, from Kraków to Zürich, and found Greyhaven’s spending per head on libraries among the lowest.

The new rates take effect on 1 April. The full budget papers are on the [council website](https://council.greyhaven.example.org/budget-2027) — all 412 pages of them.`,
    tags: ['city-hall', 'housing', 'transport'],
    authorKey: 'malgorzata',
    createdAt: '2026-11-03T23:40:00.000Z',
    publishedAt: '2026-11-04T06:00:00.000Z',
  },
  {
    key: 'lumen-centenary',
    slug: 'greyhavens-last-independent-cinema-turns-100',
    title: 'Greyhaven’s last independent cinema turns 100',
    excerpt:
      'The Lumen opened in 1926 with a silent comedy and a live pianist. A century, one fire and one near-demolition later, it’s still showing films — and the pianist is back.',
    body: `On 9 November 1926, the Lumen Picture House on Chapel Row opened its doors with a silent comedy, a live pianist and, according to the *Greyhaven Gazette* of the day, “an unseemly crush at the box office”. Exactly a hundred years later, on Monday night, the crush was back — this time for a free anniversary screening, with a pianist once again at the front of the stalls.

## A century in four acts

The Lumen’s history reads like one of its own programmes:

- **1926–1939**: silent films, then talkies; the pianist is let go in 1930
- **1940s**: newsreels, wartime matinées and a small fire in the projection booth in 1947
- **1960s–1980s**: a long decline as television, and later the multiplexes, arrive
- **2011**: saved from demolition by a community share offer that raised €420,000 in six weeks

Today it is run by a cooperative with 2,300 members, most of whom own a single €50 share. “Nobody got rich,” said manager Eun-ji Halvorsen. “But nobody wanted it turned into flats, either.”

Halvorsen says the audience has changed less than people assume. “Friday nights are still date nights. Sunday afternoons are still grandparents and grandchildren. The films are different; the reasons people come are exactly the same.”

The centenary season runs until January and includes restored prints of 1920s comedies, a week of films from Reykjavík’s small but lively film scene and — on Christmas Eve — the same silent comedy that opened the building in 1926.`,
    tags: ['culture', 'arts', 'business', 'community'],
    authorKey: 'siobhan',
    createdAt: '2026-11-09T22:15:00.000Z',
    publishedAt: '2026-11-10T07:00:00.000Z',
  },
  {
    key: 'hospital-waits',
    slug: 'hospital-wait-times-what-the-2019-2025-figures-really-show',
    title: 'Hospital wait times: what the 2019–2025 figures really show',
    excerpt:
      'Emergency waits at Greyhaven General are longer than before the pandemic — but the headline number hides a more complicated picture.',
    body: `Every month, Greyhaven General publishes a single number: the share of emergency patients seen within four hours. In 2019 it was 86%. Last year it was 71%. That fall has been quoted in council debates, on campaign leaflets and at at least one very heated public meeting.

The number is real. On its own, though, it is slightly misleading.

## Looking beneath the headline

We obtained the full monthly data for 2019–2025 through a freedom of information request and analysed it with help from a statistician at Greyhaven University. Three things stand out:

- **Attendances are up 22%**, driven largely by patients over 80
- **Waits for minor injuries have actually fallen** since the urgent treatment centre opened in 2022
- **The longest waits are concentrated in a small group** — mostly older patients waiting for a bed on a ward

In other words, the problem is less the front door of the emergency department than the back door. When wards are full, patients who need admitting wait downstairs, sometimes for more than twelve hours.

“The four-hour figure measures the whole hospital, not just the emergency team,” said Dr Rania Al-Masri, a consultant in emergency medicine. “If you want to fix it, look at discharge, social care and community beds — not only at the people in the waiting room.”

## What happens next

The health board’s winter plan, due next week, is expected to include 40 extra community beds. We’ll publish our full dataset alongside our coverage of it — and, as always, we welcome corrections.`,
    tags: ['health', 'science', 'data'],
    authorKey: 'thuha',
    createdAt: '2026-11-13T09:30:00.000Z',
    publishedAt: '2026-11-16T06:15:00.000Z',
  },

  // --- Drafts ---------------------------------------------------------------
  {
    key: 'marathon-start',
    slug: 'marathon-2027-organisers-weigh-a-cooler-earlier-start',
    title: 'Marathon 2027: organisers weigh a cooler, earlier start',
    excerpt:
      'After 214 runners needed treatment for heat exhaustion in September, the Greyhaven Marathon may start at 7 a.m. next year — an hour earlier than usual.',
    body: `Organisers of the Greyhaven Marathon are considering moving next year’s start from 8 a.m. to 7 a.m., after an unusually warm race in September left 214 runners needing treatment for heat-related illness.

## A hot day on the course

The temperature reached 27 °C by eleven o’clock, when the bulk of the field — runners aiming for four to five hours — were still on the exposed stretch along the Wren embankment. Medical tents at the 30 km and 35 km points ran out of ice before noon.

“Nobody wants to get up at five to run a marathon,” admitted race director Lucía Fernández-Björk. “But I would rather have grumpy runners than runners in hospital.”

Other options under discussion include:

- moving the race to late April, as several European marathons have done
- adding misting stations and more shaded water points after 25 km
- a “heat rule” that would shorten the course if the forecast exceeds 25 °C

[TODO: confirm treatment numbers with the medical team; get a quote from the runners’ club — Jonas? — before this goes out.]`,
    tags: ['sport', 'health', 'climate'],
    authorKey: 'joao',
    createdAt: '2026-11-12T14:05:00.000Z',
    publishedAt: null,
  },
  {
    key: 'smart-city-opinion',
    slug: 'opinion-smart-city-shouldnt-mean-watched-city',
    title: 'Opinion: ‘smart city’ shouldn’t mean ‘watched city’',
    excerpt:
      'Sensors, apps and cameras can make a city work better. Yusuf Çağlar Öztürk argues they should come with rules written before they’re switched on, not after.',
    body: `I like technology. I write about it for a living, I own too many gadgets, and I was genuinely pleased when the city’s parking sensors told me there was a free space on Chapel Row last Tuesday. So please read what follows not as a rejection of the “smart city”, but as a request for some manners.

## The order matters

In Greyhaven, as in many cities, new technology tends to arrive in the following order: a pilot, a press release, a wider rollout — and then, usually after a journalist asks an awkward question, a privacy policy. The parking app we reported on in September was a textbook example.

It should be the other way round. Before a single sensor goes live, residents should be able to read, in plain language:

- what is collected, and why
- how long it is kept
- who else can see it
- how to get it deleted

## A modest proposal

The council could adopt a simple rule: no new data-collecting system goes live until its entry in a public register has been online for 30 days. Several European cities have experimented with registers of this kind [link to come]…

Being watched is not the price of convenience. It is a design decision — and design decisions can be changed.`,
    tags: ['opinion', 'technology', 'privacy'],
    authorKey: 'yusuf',
    createdAt: '2026-11-14T18:50:00.000Z',
    publishedAt: null,
  },
  {
    key: 'footbridge-closure',
    slug: 'wren-footbridge-closed-until-further-notice-what-we-know-so-far',
    title: 'Wren footbridge closed ‘until further notice’: what we know so far',
    excerpt:
      'Engineers closed the Wren footbridge on Wednesday after finding corrosion in two of its main supports. Here’s what it means for the 6,000 people who cross it every day.',
    body: `The Wren footbridge, which links Eastbank to Old Town and carries around 6,000 pedestrians and cyclists a day, has been closed “until further notice” after a routine inspection found corrosion in two of its steel supports.

## What we know

- The inspection took place on Monday; the bridge closed at 14:00 on Wednesday
- The council says there is “no immediate risk of collapse” but could not rule out further damage
- €0.8m was set aside for repairs in the 2027 budget — engineers say the full cost could be higher
- A temporary ferry shuttle will run every 15 minutes, 07:00–20:00, from Friday

## What we don’t know yet

How long the closure will last, who will pay for work beyond the budgeted amount, and whether earlier inspections flagged the problem. We have asked for copies of the 2021–2025 inspection reports.

Commuters were already adjusting on Wednesday evening. “It adds twenty minutes each way,” said Sander Çelebi-Vos, who cycles across the bridge to work in Old Town. “I’ll manage. I just hope ‘further notice’ doesn’t mean next summer.”

*This is a developing story and will be updated…*`,
    tags: ['city-hall', 'transport'],
    authorKey: 'malgorzata',
    createdAt: '2026-11-18T15:20:00.000Z',
    publishedAt: null,
  },

  // --- Scheduled ------------------------------------------------------------
  {
    key: 'winter-lights',
    slug: 'winter-lights-2026-a-guide-to-the-festivals-12-nights',
    title: 'Winter Lights 2026: a guide to the festival’s 12 nights',
    excerpt:
      'Lanterns on the Wren, a light maze in Tannery Square and a silent disco on the old ferry — here’s everything you need to know about this year’s Winter Lights.',
    body: `Greyhaven’s Winter Lights festival returns on 4 December for twelve nights, with 23 installations along a 3 km trail from the Corn Exchange to the harbour. ✨ This year’s theme is “Tides”, and most of the work responds in some way to the river and the sea.

## Highlights

- **Lantern Flotilla** (Wren embankment): 400 paper lanterns made in workshops at eleven local schools, launched every night at 18:00
- **The Listening Maze** (Tannery Square): a maze of light and sound by the collective Maré — walk slowly, or you’ll miss the whispers
- **Silent Ferry** (Harbour steps): a silent disco aboard the retired 1962 ferry *Annelise*, Fridays and Saturdays only
- **Northern Room** (Lumen cinema foyer): a quiet installation inspired by winter light in Reykjavík and Tromsø

## Practical information

The trail is free and open 17:00–22:00 each night. The busiest nights are usually the first Saturday and the last Friday; if you can, go on a Tuesday. Some installations are not step-free — the festival’s [accessibility guide](https://winterlights.greyhaven.example.org/access) lists alternatives.

“We wanted it to feel as if the city is glowing from the inside,” said artistic director Ngozi Adeyemi-Lund. “And, honestly, we wanted to give people a reason to go outside in December.”`,
    tags: ['culture', 'arts', 'events', 'community'],
    authorKey: 'siobhan',
    createdAt: '2026-11-18T11:00:00.000Z',
    publishedAt: null,
    scheduledInDays: 3,
  },
]

// ---------------------------------------------------------------------------
// Comments — only on published articles; replies always follow their parent
// ---------------------------------------------------------------------------

export const comments: SeedComment[] = [
  // Riverside tram line
  {
    key: 'tram-1',
    articleKey: 'tram-opening',
    authorName: 'Kwame Boateng',
    authorEmail: 'kwame.boateng@example.com',
    body: 'Rode it this morning — smooth, quiet and genuinely quicker than the 14 bus. Three years late, but I’ll take it.',
    status: 'approved',
    createdAt: '2026-08-03T13:12:00.000Z',
  },
  {
    key: 'tram-2',
    articleKey: 'tram-opening',
    parentKey: 'tram-1',
    authorName: 'Agnieszka Lis',
    authorEmail: 'a.lis@example.net',
    body: 'Quicker until they reroute the 14 to feed the tram stops, which is apparently the plan from October. Then we’ll see.',
    status: 'approved',
    createdAt: '2026-08-03T14:40:00.000Z',
  },
  {
    key: 'tram-3',
    articleKey: 'tram-opening',
    parentKey: 'tram-2',
    authorName: 'Kwame Boateng',
    authorEmail: 'kwame.boateng@example.com',
    body: 'Fair point. If they cut the 14 I’ll be first in the queue at the next council meeting 🙃',
    status: 'approved',
    createdAt: '2026-08-03T16:05:00.000Z',
  },
  {
    key: 'tram-4',
    articleKey: 'tram-opening',
    authorName: 'Renée Dubois-Marchetti',
    authorEmail: 'renee.dm@example.org',
    body: 'The part about the shops on Quay Road matters. That compensation scheme was a disgrace — please follow it up.',
    status: 'approved',
    createdAt: '2026-08-04T08:20:00.000Z',
  },
  {
    key: 'tram-5',
    articleKey: 'tram-opening',
    parentKey: 'tram-4',
    authorName: 'Đặng Thu Hà',
    authorEmail: 'thu.ha.dang@example.org',
    body: 'Thanks, Renée — we’re working on exactly that. If you run a business on Quay Road and would like to talk, the newsdesk would love to hear from you.',
    status: 'approved',
    createdAt: '2026-08-04T10:02:00.000Z',
  },
  {
    key: 'tram-6',
    articleKey: 'tram-opening',
    authorName: 'Best Deals 4U',
    authorEmail: 'deals4u@example.net',
    body: 'Tired of trams?? Get 90% OFF luxury car rentals TODAY ONLY!!! Click here >>> https://cheap-rentals.example.net/promo?ref=grey <<<',
    status: 'spam',
    createdAt: '2026-08-05T03:47:00.000Z',
  },

  // Poetry festival
  {
    key: 'poetry-1',
    articleKey: 'poetry-festival',
    authorName: 'Samira Benali',
    authorEmail: 'samira.benali@example.com',
    body: 'I was there on Friday. When Mrs Haddad read that last line the whole room held its breath. Thank you for printing it in Arabic too.',
    status: 'approved',
    createdAt: '2026-09-12T19:40:00.000Z',
  },
  {
    key: 'poetry-2',
    articleKey: 'poetry-festival',
    authorName: 'Oskar Lindqvist',
    authorEmail: 'oskar.lindqvist@example.net',
    body: 'The fisherman from Húsavík was hilarious. Does anyone know whether his poems are published in English?',
    status: 'approved',
    createdAt: '2026-09-13T10:05:00.000Z',
  },
  {
    key: 'poetry-3',
    articleKey: 'poetry-festival',
    parentKey: 'poetry-2',
    authorName: 'Siobhán Ní Bhriain',
    authorEmail: 'siobhan.nibhriain@example.org',
    body: 'Not yet, Oskar — but the festival tells me a small pamphlet is planned for the spring. We’ll mention it when it’s out.',
    status: 'approved',
    createdAt: '2026-09-13T12:30:00.000Z',
  },
  {
    key: 'poetry-4',
    articleKey: 'poetry-festival',
    authorName: 'SEO Experts Ltd',
    authorEmail: 'growth@rank-fast.example.com',
    body: 'Great article!!! We can get YOUR website to #1 on every search engine in 7 days, guaranteed. Free audit at https://rank-fast.example.com/free',
    status: 'spam',
    createdAt: '2026-09-14T03:11:00.000Z',
  },

  // Parking app
  {
    key: 'parking-1',
    articleKey: 'parking-app',
    authorName: 'Hannah Okafor',
    authorEmail: 'hannah.okafor@example.org',
    body: 'Just checked my settings — background location was ON, and I’m sure I never switched it on. Turned it off now. Thanks for this.',
    status: 'approved',
    createdAt: '2026-09-28T08:30:00.000Z',
  },
  {
    key: 'parking-2',
    articleKey: 'parking-app',
    parentKey: 'parking-1',
    authorName: 'Yusuf Çağlar Öztürk',
    authorEmail: 'yusuf.ozturk@example.net',
    body: 'Thanks, Hannah. Several readers have told us the same thing; we’ve passed the reports to the council and asked for an explanation.',
    status: 'approved',
    createdAt: '2026-09-28T10:15:00.000Z',
  },
  {
    key: 'parking-3',
    articleKey: 'parking-app',
    parentKey: 'parking-2',
    authorName: 'Hannah Okafor',
    authorEmail: 'hannah.okafor@example.org',
    body: 'Much appreciated. It would be good to know whether an app update changed it without asking.',
    status: 'approved',
    createdAt: '2026-09-28T11:02:00.000Z',
  },
  {
    key: 'parking-4',
    articleKey: 'parking-app',
    authorName: 'Pedro Almeida',
    authorEmail: 'pedro.almeida@example.com',
    body: 'Six years of parking history is absurd. What possible reason could there be for keeping it that long?',
    status: 'pending',
    createdAt: '2026-09-29T07:45:00.000Z',
  },
  {
    key: 'parking-5',
    articleKey: 'parking-app',
    authorName: 'Ingeborg Sæther',
    authorEmail: 'ingeborg.saether@example.net',
    body: 'Honestly, the app is great, and I don’t mind the data as long as it isn’t sold. Parking in Old Town used to be a nightmare.',
    status: 'approved',
    createdAt: '2026-09-29T18:20:00.000Z',
  },

  // Harbour FC
  {
    key: 'harbour-1',
    articleKey: 'harbour-comeback',
    authorName: 'Tiago Ferraz',
    authorEmail: 'tiago.ferraz@example.com',
    body: 'Left at half-time. Heard the roar from the car park. Never again — I’m staying for the full 90 from now on.',
    status: 'approved',
    createdAt: '2026-10-03T22:40:00.000Z',
  },
  {
    key: 'harbour-2',
    articleKey: 'harbour-comeback',
    authorName: 'Marek Dvořák',
    authorEmail: 'marek.dvorak@example.org',
    body: 'Mensah-Larsen has been the best player in the academy for two years. He should have been starting weeks ago.',
    status: 'approved',
    createdAt: '2026-10-04T08:15:00.000Z',
  },
  {
    key: 'harbour-3',
    articleKey: 'harbour-comeback',
    parentKey: 'harbour-2',
    authorName: 'Li Wei',
    authorEmail: 'li.wei@example.net',
    body: 'Agreed — and keep Ortíz on penalties. That was ice cold.',
    status: 'approved',
    createdAt: '2026-10-04T09:50:00.000Z',
  },
  {
    key: 'harbour-4',
    articleKey: 'harbour-comeback',
    authorName: 'Millford4Ever',
    authorEmail: 'millford4ever@example.com',
    body: 'harbour fans are a JOKE. enjoy it while it lasts, you’ll be relegated by christmas lol. whoever wrote this knows nothing about football',
    status: 'rejected',
    createdAt: '2026-10-04T11:02:00.000Z',
  },

  // Ferreira bakery
  {
    key: 'bakery-1',
    articleKey: 'ferreira-bakery',
    authorName: 'Zsófia Németh',
    authorEmail: 'zsofia.nemeth@example.org',
    body: 'Their custard tarts got me through my PhD. So glad the place is staying in good hands ❤️',
    status: 'approved',
    createdAt: '2026-10-12T10:10:00.000Z',
  },
  {
    key: 'bakery-2',
    articleKey: 'ferreira-bakery',
    authorName: 'Bartek Zieliński',
    authorEmail: 'bartek.z@example.com',
    body: 'Does anyone know if they’ll keep opening on Sunday mornings?',
    status: 'pending',
    createdAt: '2026-10-13T07:25:00.000Z',
  },

  // Housing opinion
  {
    key: 'housing-1',
    articleKey: 'housing-opinion',
    authorName: 'Tomás Ó Fearghail',
    authorEmail: 'tomas.ofearghail@example.net',
    body: 'Finally someone says it. Five reviews! I’d love to know what they cost in total.',
    status: 'approved',
    createdAt: '2026-10-22T08:00:00.000Z',
  },
  {
    key: 'housing-2',
    articleKey: 'housing-opinion',
    parentKey: 'housing-1',
    authorName: 'Chidi Nwosu',
    authorEmail: 'chidi.nwosu@example.org',
    body: 'According to a written answer at council last spring, the 2019 review alone cost a little over €200,000.',
    status: 'approved',
    createdAt: '2026-10-22T09:45:00.000Z',
  },
  {
    key: 'housing-3',
    articleKey: 'housing-opinion',
    authorName: 'Élodie Marchand',
    authorEmail: 'elodie.marchand@example.com',
    body: 'Building on council land is fine, but who decides which sites? Some of those 41 are the only green space left in Eastbank.',
    status: 'pending',
    createdAt: '2026-10-22T14:10:00.000Z',
  },
  {
    key: 'housing-4',
    articleKey: 'housing-opinion',
    authorName: 'Crypto Profits Daily',
    authorEmail: 'win-big@quick-crypto.example.net',
    body: 'Why buy a house when you can earn $5000/week from home?? Join thousands of winners now -> https://quick-crypto.example.net/join 💰💰💰',
    status: 'spam',
    createdAt: '2026-10-23T02:33:00.000Z',
  },

  // Budget 2027
  {
    key: 'budget-1',
    articleKey: 'budget-2027',
    authorName: 'Fionnuala Brennan',
    authorEmail: 'fionnuala.brennan@example.org',
    body: 'Really useful breakdown, thank you. Sunday library opening is the best news I’ve had all year — my kids basically live in the Millford branch.',
    status: 'approved',
    createdAt: '2026-11-04T07:15:00.000Z',
  },
  {
    key: 'budget-2',
    articleKey: 'budget-2027',
    authorName: 'Gareth Pryce-Jones',
    authorEmail: 'gareth.pj@example.com',
    body: '3% on top of last year’s 4.5%… wages haven’t gone up 7.5% round here.',
    status: 'approved',
    createdAt: '2026-11-04T08:02:00.000Z',
  },
  {
    key: 'budget-3',
    articleKey: 'budget-2027',
    parentKey: 'budget-2',
    authorName: 'Ayşe Demir',
    authorEmail: 'ayse.demir@example.net',
    body: 'True, but the alternative was emptying the reserves. They did that in 2012–2014 and we spent a decade paying for it.',
    status: 'approved',
    createdAt: '2026-11-04T09:30:00.000Z',
  },
  {
    key: 'budget-4',
    articleKey: 'budget-2027',
    parentKey: 'budget-3',
    authorName: 'Gareth Pryce-Jones',
    authorEmail: 'gareth.pj@example.com',
    body: 'Happy to be corrected, but weren’t the 2012 cuts mostly about the government grant, not the reserves?',
    status: 'pending',
    createdAt: '2026-11-04T11:48:00.000Z',
  },
  {
    key: 'budget-5',
    articleKey: 'budget-2027',
    authorName: 'xX_truthseeker_Xx',
    authorEmail: 'truthseeker88@example.com',
    body: 'Who cares about libraries, nobody reads anymore. The whole council should be sacked and so should whoever wrote this rubbish.',
    status: 'rejected',
    createdAt: '2026-11-04T13:20:00.000Z',
  },

  // Hospital wait times
  {
    key: 'hospital-1',
    articleKey: 'hospital-waits',
    authorName: 'Anneli Virtanen',
    authorEmail: 'anneli.virtanen@example.org',
    body: 'As a ward nurse I can confirm the “back door” point. Some days we have six patients who are medically fit to leave and nowhere for them to go.',
    status: 'approved',
    createdAt: '2026-11-16T09:20:00.000Z',
  },
  {
    key: 'hospital-2',
    articleKey: 'hospital-waits',
    authorName: 'Rashid Haq',
    authorEmail: 'rashid.haq@example.net',
    body: 'Could you publish the figures month by month rather than by year? The winter pressures would be much clearer.',
    status: 'pending',
    createdAt: '2026-11-17T12:05:00.000Z',
  },
]
