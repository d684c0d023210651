"""Words and templates for `altavoz seed`: synthetic, but shaped like the real thing.

Everything a translation needs comes as a Pair (Spanish, English) with the same
slots on both sides, so one sequence of random choices writes the same article in
either language. Organizations and people are invented; places are real, so the
demo reads like a Venezuelan community site. Links point at Wikipedia or at
reserved example.org hosts, never at a real organization's site.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

Pair = tuple[str, str]  # (es, en)

FIRST_NAMES_ES = [
    "María", "José", "Yusmary", "Yorgelis", "Wilmer", "Darwin", "Carmen", "Luis", "Yelitza",
    "Jhonny", "Nelly", "Rafael", "Mariela", "Freddy", "Xiomara", "Ender", "Maikelys", "Ramón",
    "Belkis", "Alexis", "Yamileth", "Eduardo", "Zuleima", "Omar", "Dayana", "Argenis",
    "Migdalia", "Juan Carlos", "Yenny", "Héctor", "Rosángela", "Néstor", "Lisbeth", "Gustavo",
    "Oriana", "Wuilliam", "Anaís", "Jesús", "Marbelis", "Orlando", "Katiuska", "Franklin",
    "Neida", "Richard", "Zoraida", "Elio", "Coromoto", "Deivis", "Iraida", "Yonathan",
]
LAST_NAMES_ES = [
    "González", "Rodríguez", "Pérez", "Hernández", "García", "Martínez", "López", "Díaz",
    "Ramírez", "Torres", "Rojas", "Mendoza", "Castillo", "Guerrero", "Marcano", "Salazar",
    "Briceño", "Colmenares", "Escalona", "Mujica", "Quintero", "Sequera", "Villegas", "Yépez",
    "Zambrano", "Aponte", "Bolívar", "Camacaro", "Duarte", "Echenique", "Figueroa", "Guanipa",
    "Hidalgo", "Istúriz", "Jiménez", "Linares", "Montilla", "Nava", "Ochoa", "Paredes",
    "Querales", "Rivero", "Silva", "Timaure", "Urdaneta", "Vargas", "Zerpa", "Chirinos",
]
FIRST_NAMES_EN = [
    "Sarah", "Tom", "Aisha", "Daniel", "Grace", "Owen", "Priya", "Liam", "Hannah", "Marcus",
    "Niamh", "Samuel", "Ruth", "Kwame", "Julia", "Patrick", "Emma", "Rosa", "Kenji", "Alice",
]
LAST_NAMES_EN = [
    "Mitchell", "O'Brien", "Okafor", "Reyes", "Campbell", "Lindqvist", "Hughes", "Moreau",
    "Patel", "Byrne", "Fischer", "Nakamura", "Doyle", "Santos", "Keller", "Walsh", "Murray",
]

PLACES = [
    "Barquisimeto", "Sanare", "Quíbor", "El Tocuyo", "Carora", "Mérida", "Sur del Lago",
    "Cumaná", "Ciudad Guayana", "Ciudad Bolívar", "Petare", "Catia", "El Valle", "La Vega",
    "Antímano", "23 de Enero", "Barinas", "Acarigua", "Guanare", "Valle de la Pascua",
    "Calabozo", "San Fernando de Apure", "Tucupita", "Carúpano", "Coro", "Punto Fijo",
    "Maracaibo", "Cabimas", "Puerto Ayacucho", "Boconó", "Valera", "Los Teques", "Guarenas",
    "Barlovento", "San Felipe", "Maturín", "El Tigre", "Biruaca", "Tinaquillo", "Araure",
]
PLACES_ABROAD: list[Pair] = [
    ("Bogotá", "Bogotá"), ("Ciudad de México", "Mexico City"), ("Madrid", "Madrid"),
    ("Londres", "London"), ("Nueva York", "New York"), ("Buenos Aires", "Buenos Aires"),
    ("La Paz", "La Paz"), ("Santiago de Chile", "Santiago, Chile"), ("Cúcuta", "Cúcuta"),
    ("Berlín", "Berlin"), ("Lima", "Lima"), ("Montreal", "Montreal"), ("Quito", "Quito"),
    ("Barcelona", "Barcelona"), ("São Paulo", "São Paulo"), ("Dublín", "Dublin"),
]
MONTHS: list[Pair] = [
    ("enero", "January"), ("febrero", "February"), ("marzo", "March"), ("abril", "April"),
    ("mayo", "May"), ("junio", "June"), ("julio", "July"), ("agosto", "August"),
    ("septiembre", "September"), ("octubre", "October"), ("noviembre", "November"),
    ("diciembre", "December"),
]

# Fictional organizations, by Organization.Kind value. Patterns make more when a
# large seed needs them ("{place}" is filled from PLACES).
ORGANIZATIONS: dict[str, list[str]] = {
    "communal_council": [
        "Consejo Comunal Brisas del Turbio", "Consejo Comunal Los Cerritos de Quíbor",
        "Consejo Comunal Unión y Progreso de Catia", "Consejo Comunal Montaña Alta",
        "Consejo Comunal Negra Hipólita",
    ],
    "union": [
        "Sindicato Unitario de Trabajadores del Acero de Guayana",
        "Sindicato de Trabajadoras y Trabajadores de la Educación de Lara",
        "Federación Regional de Trabajadores de la Salud del Zulia",
        "Sindicato Autónomo de Trabajadores Eléctricos de Oriente",
    ],
    "student_group": [
        "Movimiento Estudiantil Pupitre Rebelde", "Frente Universitario 21 de Noviembre",
        "Centro de Estudiantes de Agronomía del Llano",
    ],
    "peasant": [
        "Frente Campesino Tierra y Semilla", "Cooperativa Agroecológica Las Cumbres de Sanare",
        "Asociación de Productores Independientes del Sur del Lago",
        "Consejo Campesino Argimiro Gabaldón",
    ],
    "movement": [
        "Movimiento por el Agua y la Vida de Lara", "Red de Pobladoras por la Vivienda Digna",
        "Red de Jóvenes por el Lago de Maracaibo",
    ],
    "political_current": [
        "Corriente Comunera Horizonte Socialista", "Plataforma de Izquierda Crítica",
        "Tendencia Socialismo desde Abajo",
    ],
    "collective": [
        "Colectivo Cultural Tambor de Barlovento", "Colectivo Feminista Juana Ramírez",
        "Colectivo de Salud Popular El Manguito",
    ],
    "media": [
        "Radio Comunitaria Voz del Tocuyo", "Televisora Comunitaria Catia Abierta",
        "Periódico Comunal El Fogón del Sur",
    ],
}
ORGANIZATION_PATTERNS: dict[str, str] = {
    "communal_council": "Consejo Comunal Sector {place}",
    "union": "Sindicato de Trabajadores Municipales de {place}",
    "student_group": "Asamblea Estudiantil de {place}",
    "peasant": "Comité de Productores de {place}",
    "movement": "Movimiento Vecinal de {place}",
    "political_current": "Círculo de Debate Socialista de {place}",
    "collective": "Colectivo Cultural de {place}",
    "media": "Radio Comunitaria de {place}",
}
ORGANIZATION_DESCRIPTIONS: dict[str, Pair] = {
    "communal_council": (
        "Consejo comunal de {place}: vecinas y vecinos que gestionan agua, gas, vivienda y "
        "el presupuesto participativo de la comunidad, en asamblea de ciudadanos.",
        "A communal council in {place}: neighbours who run water, gas, housing and the "
        "community's participatory budget through a citizens' assembly.",
    ),
    "union": (
        "Organización sindical de base con presencia en {place}. Defiende el salario, la "
        "contratación colectiva y la libertad sindical.",
        "A rank-and-file union organising in {place}. It defends wages, collective "
        "bargaining and the freedom to organise.",
    ),
    "student_group": (
        "Estudiantes organizados por una universidad pública, gratuita y de calidad. "
        "Asambleas abiertas cada semana en {place}.",
        "Students organised for a free, public university worth the name. Open assemblies "
        "every week in {place}.",
    ),
    "peasant": (
        "Organización campesina de {place}: tierra para quien la trabaja, semillas libres "
        "y comercialización sin intermediarios.",
        "A peasant organization from {place}: land to those who work it, free seeds and "
        "selling without middlemen.",
    ),
    "movement": (
        "Movimiento social nacido en {place} que articula a comunidades en torno a sus "
        "derechos y a la defensa del territorio.",
        "A social movement born in {place} that brings communities together around their "
        "rights and the defence of their land.",
    ),
    "political_current": (
        "Corriente de opinión de izquierda. Publicamos documentos para el debate franco, "
        "con las bases y sin línea impuesta desde arriba.",
        "A left-wing current of opinion. We publish documents for frank debate, with the "
        "grassroots and without a line imposed from above.",
    ),
    "collective": (
        "Colectivo autogestionado de {place}: cultura, salud y formación política con y "
        "para la comunidad.",
        "A self-managed collective in {place}: culture, health and political education "
        "with and for the community.",
    ),
    "media": (
        "Medio comunitario de {place}. Lo que pasa en el barrio, contado por el barrio.",
        "Community media from {place}. What happens in the neighbourhood, told by the "
        "neighbourhood.",
    ),
}

BIOS: list[Pair] = [
    ("Productora agroecológica en {place}. Escribe sobre semillas, tierra y mercados.",
     "Agroecological farmer in {place}. Writes about seeds, land and markets."),
    ("Maestra jubilada y vocera de su consejo comunal en {place}.",
     "Retired teacher and spokesperson for her communal council in {place}."),
    ("Estudiante de Sociología. Participa en la asamblea estudiantil de su facultad.",
     "Sociology student, active in her faculty's student assembly."),
    ("Trabajador siderúrgico y delegado sindical desde hace doce años.",
     "Steelworker and union delegate for twelve years."),
    ("Periodista comunitario en {place}. Radio, crónica y fotografía.",
     "Community journalist in {place}. Radio, reportage and photography."),
    ("Enfermera en un hospital público de {place}.",
     "Nurse at a public hospital in {place}."),
    ("Militante de base. Escribe para el debate, no para tener la razón.",
     "Grassroots activist. Writes for debate, not to be right."),
    ("Investigadora en economía popular y cooperativas.",
     "Researcher on the popular economy and cooperatives."),
    ("Vecino de {place}, cronista de su barrio.",
     "Resident of {place} and chronicler of his barrio."),
    ("Traduce y escribe sobre solidaridad internacional con América Latina.",
     "Translates and writes about international solidarity with Latin America."),
]


@dataclass(frozen=True)
class Topic:
    """One subject the site covers, with the phrases articles about it are made of."""

    key: str
    name: Pair
    tags: list[str]
    sections: dict[str, int]  # section slug -> weight
    kinds: list[str]  # organization kinds that write about it
    actors: list[Pair]
    issues: list[Pair]
    demands: list[Pair]
    institutions: list[Pair]
    facts: list[Pair]
    voices: list[Pair]
    links: list[Pair] = field(default_factory=list)


_NEWSY = {"news": 5, "analysis": 2, "opinion": 2, "movements": 2, "communiques": 1}

TOPICS: list[Topic] = [
    Topic(
        "agrarian", ("la reforma agraria", "agrarian reform"),
        ["reforma-agraria", "tierras", "campesinado", "semillas"], _NEWSY, ["peasant"],
        actors=[("los productores de maíz", "maize growers"),
                ("las familias campesinas", "peasant families"),
                ("los conuqueros", "smallholders"),
                ("las cooperativas agrícolas", "farming cooperatives")],
        issues=[("el desalojo de tierras rescatadas", "the wave of evictions from reclaimed land"),
                ("el precio de los fertilizantes", "the price of fertiliser"),
                ("la falta de créditos para la siembra", "the lack of credit for planting"),
                ("el acaparamiento de tierras ociosas", "the hoarding of idle land"),
                ("la violencia sicarial contra dirigentes campesinos",
                 "hired-gun violence against peasant leaders")],
        demands=[("la entrega de títulos de adjudicación", "the granting of land titles"),
                 ("la venta de semillas nacionales a precio justo",
                  "a supply of national seeds at a fair price"),
                 ("justicia para los campesinos asesinados", "justice for murdered peasants"),
                 ("la vialidad agrícola para sacar la cosecha",
                  "a network of farm roads for the harvest"),
                 ("un plan de compras públicas directas a los productores",
                  "a plan of public purchasing straight from producers")],
        institutions=[("el Instituto Nacional de Tierras", "the National Land Institute"),
                      ("la gobernación", "the state government")],
        facts=[("La última cosecha de maíz en {place} se perdió en parte por falta de gasoil.",
                "Part of the last maize harvest in {place} was lost for lack of diesel."),
               ("Unas {number} hectáreas siguen en litigio desde hace años.",
                "Some {number} hectares have been in litigation for years."),
               ("Los productores venden a intermediarios que pagan menos de la mitad del precio "
                "final.", "Growers sell to middlemen who pay less than half the final price."),
               ("El banco de semillas comunitario ya guarda {number} variedades locales.",
                "The community seed bank already keeps {number} local varieties.")],
        voices=[("productora de {place}", "farmer from {place}"),
                ("vocero del frente campesino", "peasant front spokesman")],
        links=[("https://es.wikipedia.org/wiki/Reforma_agraria",
                "https://en.wikipedia.org/wiki/Land_reform")],
    ),
    Topic(
        "communal", ("el poder comunal", "communal power"),
        ["consejos-comunales", "comunas", "poder-popular", "participacion"],
        {"movements": 4, "news": 3, "analysis": 2, "opinion": 2, "communiques": 2},
        ["communal_council", "political_current"],
        actors=[("las voceras de los consejos comunales", "communal council spokeswomen"),
                ("los comuneros", "commune members"),
                ("las asambleas de ciudadanos", "citizens' assemblies")],
        issues=[("el recorte del presupuesto participativo", "the cut to the participatory budget"),
                ("la burocratización de los proyectos comunales",
                 "the red tape around communal projects"),
                ("el manejo de las elecciones internas de la comuna",
                 "the handling of the commune's internal elections"),
                ("la falta de rendición de cuentas", "the lack of accountability")],
        demands=[("la transferencia de competencias a las comunas",
                  "handing real powers to the communes"),
                 ("el financiamiento de los proyectos aprobados en asamblea",
                  "funding for the projects approved in assembly"),
                 ("una auditoría abierta a la comunidad", "an audit open to the community"),
                 ("respeto a las decisiones de la asamblea", "respect for assembly decisions"),
                 ("formación para las nuevas vocerías", "training for new spokespeople")],
        institutions=[("el ministerio de las comunas", "the communes ministry"),
                      ("la alcaldía", "the mayor's office")],
        facts=[("La comuna agrupa a {small} consejos comunales y a varias unidades de "
                "producción.", "The commune brings together {small} communal councils and "
                "several production units."),
               ("La asamblea se reúne cada quince días en la cancha del sector.",
                "The assembly meets every fortnight on the neighbourhood sports court."),
               ("El proyecto de la panadería comunal lleva {weeks} semanas esperando "
                "financiamiento.", "The communal bakery project has waited {weeks} weeks for "
                "funding.")],
        voices=[("vocera del consejo comunal", "communal council spokeswoman"),
                ("comunero de {place}", "commune member from {place}")],
        links=[("https://es.wikipedia.org/wiki/Consejo_comunal",
                "https://en.wikipedia.org/wiki/Communal_council")],
    ),
    Topic(
        "wages", ("el salario", "wages"),
        ["salarios", "inflacion", "economia", "pensiones"],
        {"news": 3, "analysis": 4, "opinion": 3, "communiques": 2},
        ["union", "political_current"],
        actors=[("los trabajadores del sector público", "public sector workers"),
                ("las maestras", "teachers"), ("los jubilados", "pensioners"),
                ("los trabajadores de la salud", "health workers")],
        issues=[("la pulverización del salario", "the collapse of wages"),
                ("el pago en bonos sin incidencia salarial",
                 "pay in bonuses that count for nothing towards wages or pensions"),
                ("el costo de la canasta alimentaria", "the cost of the food basket"),
                ("la pérdida de las prestaciones sociales", "the loss of severance benefits")],
        demands=[("un salario igual a la canasta básica", "a wage that covers the basic basket"),
                 ("el fin de la bonificación del salario", "an end to paying wages as bonuses"),
                 ("la indexación de las pensiones", "the indexing of pensions to prices"),
                 ("la discusión de las convenciones colectivas",
                  "the negotiation of the collective agreements"),
                 ("la libertad de los trabajadores detenidos por protestar",
                  "the release of workers detained for protesting")],
        institutions=[("el ministerio del trabajo", "the labour ministry"),
                      ("el gobierno nacional", "the national government")],
        facts=[("El salario de una maestra a tiempo completo no cubre ni la décima parte de "
                "la canasta.", "A full-time teacher's wage does not cover even a tenth of "
                "the basket."),
               ("Los bonos representan más de las tres cuartas partes del ingreso mensual.",
                "Bonuses make up more than three quarters of monthly income."),
               ("Muchos trabajadores tienen dos o tres empleos para llegar a fin de mes.",
                "Many workers hold two or three jobs to make ends meet.")],
        voices=[("dirigente sindical", "union leader"), ("maestra jubilada", "retired teacher")],
        links=[("https://es.wikipedia.org/wiki/Salario_m%C3%ADnimo",
                "https://en.wikipedia.org/wiki/Minimum_wage")],
    ),
    Topic(
        "universities", ("la universidad pública", "the public university"),
        ["universidades", "movimiento-estudiantil", "presupuesto-universitario", "educacion"],
        {"news": 3, "opinion": 3, "movements": 2, "analysis": 2, "communiques": 1},
        ["student_group"],
        actors=[("los estudiantes", "students"), ("los profesores universitarios",
                                                  "university lecturers"),
                ("los trabajadores universitarios", "university staff")],
        issues=[("el presupuesto deficitario de las universidades",
                 "the universities' shortfall budget"),
                ("la deserción estudiantil", "the rise in dropouts"),
                ("el deterioro de los comedores y el transporte",
                 "the decay of canteens and transport"),
                ("la suspensión de las elecciones universitarias",
                 "the suspension of university elections")],
        demands=[("un presupuesto justo para la universidad", "a fair budget for the university"),
                 ("la reapertura del comedor estudiantil", "reopening the student canteen"),
                 ("una beca que alcance para vivir", "a grant people can live on"),
                 ("la elección de autoridades con voto paritario",
                  "an election of university authorities with equal votes"),
                 ("una ruta de transporte para los estudiantes", "a bus route for students")],
        institutions=[("el ministerio de educación universitaria",
                       "the higher education ministry"), ("el consejo universitario",
                                                          "the university council")],
        facts=[("La matrícula de la facultad cayó a menos de la mitad en cinco años.",
                "The faculty's enrolment fell to under half in five years."),
               ("El comedor atendía a {number} estudiantes por día antes de cerrar.",
                "The canteen served {number} students a day before it closed."),
               ("Los laboratorios funcionan gracias a donaciones de egresados.",
                "The laboratories run on donations from graduates.")],
        voices=[("estudiante de Agronomía", "agronomy student"),
                ("profesora de Historia", "history lecturer")],
    ),
    Topic(
        "water", ("el agua", "water"),
        ["agua", "servicios-publicos", "consejos-comunales"], _NEWSY,
        ["communal_council", "movement"],
        actors=[("los vecinos", "residents"), ("las mesas técnicas de agua",
                                               "the community water committees"),
                ("las familias del sector", "families in the area")],
        issues=[("la falta de agua potable", "the lack of drinking water"),
                ("el racionamiento sin cronograma", "rationing without a timetable"),
                ("el colapso de las tuberías", "the collapse of the water mains"),
                ("el precio de los camiones cisterna", "the price of water trucks")],
        demands=[("un cronograma de distribución público", "a public distribution timetable"),
                 ("la reparación del acueducto", "the repair of the aqueduct"),
                 ("el control comunitario de las cisternas",
                  "community control of the water trucks"),
                 ("el análisis de la calidad del agua", "water quality testing")],
        institutions=[("la hidrológica regional", "the regional water company"),
                      ("la alcaldía", "the mayor's office")],
        facts=[("En algunos sectores el agua llega una vez cada {weeks} semanas.",
                "In some areas water arrives once every {weeks} weeks."),
               ("Una cisterna de agua cuesta el equivalente a varios días de salario.",
                "A water truck costs the equivalent of several days' wages."),
               ("La mesa técnica de agua censó {number} viviendas afectadas.",
                "The water committee counted {number} affected homes.")],
        voices=[("vocera de la mesa técnica de agua", "water committee spokeswoman"),
                ("vecino de {place}", "resident of {place}")],
    ),
    Topic(
        "fuel", ("el combustible", "fuel"),
        ["combustible", "transporte", "petroleo"], _NEWSY, ["communal_council", "union"],
        actors=[("los transportistas", "transport workers"), ("los pescadores", "fishers"),
                ("los productores del campo", "rural producers")],
        issues=[("la espera de horas para surtir gasolina", "the wait of hours for petrol"),
                ("la escasez de gasoil", "the diesel shortage"),
                ("la venta irregular de combustible", "the sale of fuel under the counter"),
                ("la falta de gas doméstico", "the shortage of cooking gas")],
        demands=[("una distribución transparente del combustible",
                  "transparent fuel distribution"),
                 ("el gasoil para la siembra y la pesca", "diesel for farming and fishing"),
                 ("el gas doméstico a precio regulado", "cooking gas at a regulated price"),
                 ("la sanción a quienes revenden combustible", "a penalty for fuel resellers")],
        institutions=[("la empresa petrolera estatal", "the state oil company"),
                      ("el ministerio de petróleo", "the oil ministry")],
        facts=[("Las colas en las estaciones de servicio superan las {hours} horas.",
                "Queues at petrol stations last more than {hours} hours."),
               ("Muchas familias volvieron a cocinar con leña.",
                "Many families have gone back to cooking with firewood.")],
        voices=[("chofer de transporte público", "bus driver"),
                ("pescador artesanal", "small-scale fisher")],
    ),
    Topic(
        "elections", ("las elecciones", "the elections"),
        ["elecciones", "participacion", "debate-de-izquierda", "derechos-humanos"],
        {"analysis": 4, "opinion": 4, "news": 3, "international": 1, "communiques": 1},
        ["political_current", "movement"],
        actors=[("las organizaciones de base", "grassroots organizations"),
                ("los votantes de izquierda", "left-wing voters"),
                ("las corrientes críticas", "critical currents")],
        issues=[("la inhabilitación de candidaturas", "the barring of candidates"),
                ("la abstención", "abstention"),
                ("la intervención judicial de los partidos", "the judicial takeover of parties"),
                ("la falta de auditorías independientes", "the lack of independent audits")],
        demands=[("la igualdad de garantías para todas las candidaturas",
                  "equal guarantees for every candidate"),
                 ("la publicación de los resultados mesa por mesa",
                  "the publication of results polling station by polling station"),
                 ("el respeto a la voluntad popular", "respect for the popular will"),
                 ("la observación electoral independiente", "independent election observation")],
        institutions=[("el Consejo Nacional Electoral", "the National Electoral Council"),
                      ("el Tribunal Supremo de Justicia", "the Supreme Court")],
        facts=[("La participación en {place} fue menor que en la elección anterior.",
                "Turnout in {place} was lower than in the previous election."),
               ("Varias organizaciones no pudieron inscribir su propia tarjeta.",
                "Several organizations could not register under their own name.")],
        voices=[("militante de base", "grassroots activist"),
                ("politóloga", "political scientist")],
        links=[("https://es.wikipedia.org/wiki/Consejo_Nacional_Electoral",
                "https://en.wikipedia.org/wiki/National_Electoral_Council")],
    ),
    Topic(
        "solidarity", ("la solidaridad internacional", "international solidarity"),
        ["solidaridad-internacional", "migracion", "derechos-humanos"],
        {"international": 8, "opinion": 2, "communiques": 1}, ["political_current", "media"],
        actors=[("los colectivos de migrantes", "migrant collectives"),
                ("los sindicatos de otros países", "unions abroad"),
                ("las redes de solidaridad", "solidarity networks")],
        issues=[("el impacto de las sanciones económicas", "the impact of economic sanctions"),
                ("la criminalización de la protesta", "the criminalisation of protest"),
                ("la situación de los migrantes venezolanos", "the situation of Venezuelan "
                 "migrants"), ("el silencio de la izquierda internacional",
                               "the silence of the international left")],
        demands=[("el levantamiento de las sanciones que castigan al pueblo",
                  "lifting the sanctions that punish ordinary people"),
                 ("apoyo a las luchas obreras venezolanas",
                  "support for Venezuelan workers' struggles"),
                 ("protección para los migrantes", "protection for migrants"),
                 ("la libertad de los presos por luchar", "freedom for those jailed for "
                  "organising")],
        institutions=[("la cancillería", "the foreign ministry"),
                      ("la Organización Internacional del Trabajo",
                       "the International Labour Organization")],
        facts=[("La carta fue firmada por {number} organizaciones de varios países.",
                "The letter was signed by {number} organizations from several countries."),
               ("Casi uno de cada cinco venezolanos vive hoy fuera del país.",
                "Almost one in five Venezuelans now lives abroad.")],
        voices=[("sindicalista", "trade unionist"),
                ("integrante de la red de solidaridad", "member of the solidarity network")],
        links=[("https://es.wikipedia.org/wiki/Internacionalismo_(pol%C3%ADtica)",
                "https://en.wikipedia.org/wiki/Proletarian_internationalism")],
    ),
    Topic(
        "bargaining", ("la contratación colectiva", "collective bargaining"),
        ["sindicatos", "contratacion-colectiva", "salarios"],
        {"news": 4, "communiques": 3, "analysis": 2, "movements": 1}, ["union"],
        actors=[("los trabajadores de la siderúrgica", "steelworkers"),
                ("los trabajadores petroleros", "oil workers"),
                ("los trabajadores eléctricos", "electrical workers")],
        issues=[("la convención colectiva vencida", "the expired collective agreement"),
                ("el despido de delegados sindicales", "the sacking of union delegates"),
                ("la falta de equipos de protección", "the lack of protective equipment"),
                ("la paralización de la planta", "the plant standing idle")],
        demands=[("la instalación de la mesa de negociación",
                  "opening the negotiating table"),
                 ("el reenganche de los despedidos", "reinstating the sacked workers"),
                 ("un tabulador salarial digno", "a decent pay scale"),
                 ("la realización de elecciones sindicales libres", "a free union election"),
                 ("la seguridad industrial en los turnos nocturnos", "safety on the night shifts")],
        institutions=[("la gerencia de la empresa", "the company's management"),
                      ("la inspectoría del trabajo", "the labour inspectorate")],
        facts=[("La convención colectiva venció hace {small} meses.",
                "The collective agreement expired {small} months ago."),
               ("La planta opera a menos de una quinta parte de su capacidad.",
                "The plant runs at less than a fifth of its capacity."),
               ("La asamblea de trabajadores votó un plan de lucha escalonado.",
                "The workers' assembly voted for a step-by-step plan of action.")],
        voices=[("delegado sindical", "union delegate"), ("operaria del turno de noche",
                                                          "night-shift operator")],
        links=[("https://es.wikipedia.org/wiki/Convenio_colectivo",
                "https://en.wikipedia.org/wiki/Collective_bargaining")],
    ),
    Topic(
        "health", ("la salud pública", "public health"),
        ["salud", "servicios-publicos", "derechos-humanos"], _NEWSY, ["union", "collective"],
        actors=[("las enfermeras", "nurses"), ("los pacientes renales", "kidney patients"),
                ("los médicos residentes", "junior doctors")],
        issues=[("la falta de insumos en los hospitales", "the shortage of hospital supplies"),
                ("el cierre de quirófanos", "the closure of operating theatres"),
                ("el costo de los medicamentos", "the cost of medicines")],
        demands=[("la dotación de insumos para los hospitales públicos",
                  "a steady supply of materials for public hospitals"),
                 ("un salario digno para el personal de salud", "decent pay for health staff"),
                 ("el suministro de medicamentos para enfermedades crónicas",
                  "a supply of medicines for chronic illnesses"),
                 ("la reapertura de los ambulatorios", "reopening the local clinics")],
        institutions=[("el ministerio de salud", "the health ministry"),
                      ("la dirección del hospital", "the hospital management")],
        facts=[("Los pacientes deben llevar sus propios guantes y jeringas.",
                "Patients must bring their own gloves and syringes."),
               ("El ambulatorio de {place} atiende a {number} personas por semana con dos "
                "médicos.", "The clinic in {place} sees {number} people a week with two "
                "doctors.")],
        voices=[("enfermera", "nurse"), ("familiar de un paciente", "patient's relative")],
    ),
    Topic(
        "housing", ("la vivienda", "housing"),
        ["vivienda", "poder-popular", "mujeres"], _NEWSY, ["movement", "communal_council"],
        actors=[("las pobladoras", "women residents"), ("las familias sin techo",
                                                         "homeless families"),
                ("los campamentos de pioneros", "self-build camps")],
        issues=[("la ola de desalojos arbitrarios", "the wave of arbitrary evictions"),
                ("la paralización de las obras de vivienda", "the standstill in housing works"),
                ("el precio de los alquileres", "the cost of rent")],
        demands=[("la entrega de materiales para la autoconstrucción",
                  "the delivery of materials for self-building"),
                 ("la regularización de la tenencia", "secure tenure"),
                 ("el fin de los desalojos", "an end to evictions"),
                 ("la asignación de terrenos urbanos a las familias organizadas",
                  "urban land for organised families")],
        institutions=[("el ministerio de vivienda", "the housing ministry"),
                      ("la alcaldía", "the mayor's office")],
        facts=[("El campamento reúne a {number} familias que construyen sus propias casas.",
                "The camp brings together {number} families building their own homes."),
               ("Las obras llevan {weeks} semanas detenidas por falta de cemento.",
                "Works have stood still for {weeks} weeks for lack of cement.")],
        voices=[("pobladora", "resident and organiser"), ("maestra de obra", "site foreman")],
    ),
    Topic(
        "mining", ("el Arco Minero", "the Mining Arc"),
        ["mineria", "pueblos-indigenas", "ambiente", "derechos-humanos"],
        {"analysis": 3, "news": 3, "international": 2, "movements": 2},
        ["movement", "collective"],
        actors=[("las comunidades indígenas", "indigenous communities"),
                ("los pueblos del sur", "the peoples of the south"),
                ("los ambientalistas", "environmentalists")],
        issues=[("la contaminación con mercurio", "mercury pollution"),
                ("la minería ilegal en territorio indígena",
                 "illegal mining on indigenous land"),
                ("la violencia de grupos armados en las minas",
                 "armed groups' violence in the mines")],
        demands=[("la demarcación de los territorios indígenas",
                  "demarcation of indigenous territories"),
                 ("la consulta previa a las comunidades", "prior consultation of communities"),
                 ("la protección de los ríos", "protection of the rivers"),
                 ("una investigación independiente", "an independent investigation")],
        institutions=[("el ministerio de ecosocialismo", "the environment ministry"),
                      ("la defensoría del pueblo", "the ombudsman's office")],
        facts=[("Los análisis encontraron mercurio en el cabello de niñas y niños de la "
                "zona.", "Tests found mercury in the hair of children in the area."),
               ("Los ríos del sur abastecen de agua a buena parte del país.",
                "The southern rivers supply water to much of the country.")],
        voices=[("vocera indígena", "indigenous spokeswoman"), ("biólogo", "biologist")],
        links=[("https://es.wikipedia.org/wiki/Arco_Minero_del_Orinoco",
                "https://en.wikipedia.org/wiki/Orinoco_Mining_Arc")],
    ),
    Topic(
        "feminism", ("los feminismos populares", "grassroots feminism"),
        ["mujeres", "feminismos", "derechos-humanos"],
        {"opinion": 4, "movements": 4, "news": 2, "communiques": 1}, ["collective", "movement"],
        actors=[("las mujeres organizadas", "organised women"),
                ("las cuidadoras", "carers"), ("las colectivas feministas",
                                                "feminist collectives")],
        issues=[("el aumento de los feminicidios", "the rise in femicides"),
                ("la carga de cuidados sobre las mujeres", "the burden of care on women"),
                ("la falta de anticonceptivos", "the shortage of contraceptives")],
        demands=[("una casa de abrigo en cada estado", "a refuge in every state"),
                 ("el acceso a anticonceptivos", "access to contraception"),
                 ("justicia para las víctimas", "justice for the victims"),
                 ("el reconocimiento del trabajo de cuidados", "recognition of care work")],
        institutions=[("el ministerio de la mujer", "the women's ministry"),
                      ("la fiscalía", "the public prosecutor")],
        facts=[("El colectivo acompañó {number} casos el último año.",
                "The collective supported {number} cases last year."),
               ("La mayoría de los hogares del barrio están encabezados por mujeres.",
                "Most households in the barrio are headed by women.")],
        voices=[("integrante de la colectiva", "member of the collective"),
                ("abogada", "lawyer")],
    ),
    Topic(
        "media", ("la comunicación popular", "community media"),
        ["medios-comunitarios", "libertad-de-expresion", "cultura"],
        {"opinion": 3, "movements": 3, "news": 2, "communiques": 2}, ["media", "collective"],
        actors=[("las radios comunitarias", "community radio stations"),
                ("los comunicadores populares", "community reporters")],
        issues=[("el cierre de emisoras", "the closure of stations"),
                ("el bloqueo de portales de noticias", "the blocking of news sites"),
                ("la autocensura", "self-censorship")],
        demands=[("la renovación de las habilitaciones", "the renewal of broadcasting licences"),
                 ("el fin de los bloqueos en internet", "an end to internet blocking"),
                 ("un fondo para medios comunitarios", "a fund for community media")],
        institutions=[("la comisión de telecomunicaciones", "the telecoms regulator")],
        facts=[("La emisora transmite desde hace {small} años con equipos reparados por "
                "la comunidad.", "The station has been on air for {small} years with "
                "equipment the community repairs."),
               ("El portal fue atacado dos veces este año y siguió publicando.",
                "The site was attacked twice this year and kept publishing.")],
        voices=[("locutora", "radio presenter"), ("comunicador popular", "community reporter")],
    ),
    Topic(
        "left", ("el debate de la izquierda", "the left's debate"),
        ["debate-de-izquierda", "poder-popular", "economia"],
        {"opinion": 6, "analysis": 4, "communiques": 1}, ["political_current"],
        actors=[("las corrientes de izquierda", "left currents"),
                ("los militantes de base", "rank-and-file activists")],
        issues=[("la deriva autoritaria", "the authoritarian drift"),
                ("la privatización encubierta", "privatisation by the back door"),
                ("la ruptura entre dirigencia y bases", "the gap between leaders and the base"),
                ("la ley de zonas económicas especiales", "the special economic zones law")],
        demands=[("un debate abierto sin expulsiones", "an open debate without expulsions"),
                 ("la defensa de la Constitución", "defence of the Constitution"),
                 ("democracia interna en las organizaciones",
                  "internal democracy in the organizations"),
                 ("control obrero en las empresas públicas",
                  "workers' control in public companies")],
        institutions=[("la dirección del partido", "the party leadership"),
                      ("el gobierno nacional", "the national government")],
        facts=[("El documento circuló primero en asambleas de {place} y después en la red.",
                "The document first circulated in assemblies in {place}, then online."),
               ("Más de {number} militantes firmaron la carta pública.",
                "More than {number} activists signed the open letter.")],
        voices=[("militante histórico", "veteran activist"),
                ("investigadora social", "social researcher")],
    ),
    Topic(
        "electricity", ("el servicio eléctrico", "electricity"),
        ["electricidad", "servicios-publicos"], _NEWSY, ["communal_council", "union"],
        actors=[("los comerciantes", "shopkeepers"), ("los vecinos", "residents")],
        issues=[("la rutina de apagones diarios", "the daily round of blackouts"),
                ("la falta de transformadores", "the shortage of transformers"),
                ("el racionamiento eléctrico", "power rationing")],
        demands=[("un cronograma de cortes público", "a published outage schedule"),
                 ("la reposición de transformadores", "the replacement of transformers"),
                 ("inversión en las plantas termoeléctricas", "investment in power plants")],
        institutions=[("la corporación eléctrica", "the national power company")],
        facts=[("Los cortes duran hasta {hours} horas en los días más calurosos.",
                "Outages last up to {hours} hours on the hottest days."),
               ("Se perdieron alimentos y medicinas que requieren refrigeración.",
                "Food and medicine that need refrigeration were lost.")],
        voices=[("comerciante", "shopkeeper"), ("técnico electricista", "electrician")],
    ),
]

# (slug, name); the first tags are those the topics use.
TAGS: list[tuple[str, str]] = [
    ("reforma-agraria", "reforma agraria"), ("tierras", "tierras"),
    ("campesinado", "campesinado"), ("semillas", "semillas"),
    ("consejos-comunales", "consejos comunales"), ("comunas", "comunas"),
    ("poder-popular", "poder popular"), ("participacion", "participación"),
    ("salarios", "salarios"), ("inflacion", "inflación"), ("economia", "economía"),
    ("pensiones", "pensiones"), ("universidades", "universidades"),
    ("movimiento-estudiantil", "movimiento estudiantil"),
    ("presupuesto-universitario", "presupuesto universitario"), ("educacion", "educación"),
    ("agua", "agua"), ("servicios-publicos", "servicios públicos"),
    ("combustible", "combustible"), ("transporte", "transporte"), ("petroleo", "petróleo"),
    ("elecciones", "elecciones"), ("debate-de-izquierda", "debate de izquierda"),
    ("derechos-humanos", "derechos humanos"),
    ("solidaridad-internacional", "solidaridad internacional"), ("migracion", "migración"),
    ("sindicatos", "sindicatos"), ("contratacion-colectiva", "contratación colectiva"),
    ("salud", "salud"), ("vivienda", "vivienda"), ("mujeres", "mujeres"),
    ("mineria", "minería"), ("pueblos-indigenas", "pueblos indígenas"),
    ("ambiente", "ambiente"), ("feminismos", "feminismos"),
    ("medios-comunitarios", "medios comunitarios"),
    ("libertad-de-expresion", "libertad de expresión"), ("cultura", "cultura"),
    ("electricidad", "electricidad"), ("alimentacion", "alimentación"),
    ("juventud", "juventud"), ("memoria", "memoria histórica"),
]
GENERAL_TAGS = ["alimentacion", "juventud", "memoria", "derechos-humanos", "economia",
                "participacion", "cultura"]

# Title templates per section slug; sections not listed use "news".
TITLES: dict[str, list[Pair]] = {
    "news": [
        ("{actors} de {place} exigen {demand}", "{actors} in {place} demand {demand}"),
        ("Asamblea en {place} debate {issue}", "Assembly in {place} debates {issue}"),
        ("{number} familias de {place} denuncian {issue}",
         "{number} families in {place} denounce {issue}"),
        ("{institution} recibe a {actors} de {place} tras {weeks} semanas de protesta",
         "{institution} meets {actors} from {place} after {weeks} weeks of protest"),
        ("En {place}, {actors} se organizan frente a {issue}",
         "In {place}, {actors} organise against {issue}"),
        ("Marcha en {place} por {demand}", "March in {place} for {demand}"),
    ],
    "opinion": [
        ("Sobre {issue}: una respuesta desde abajo", "On {issue}: an answer from below"),
        ("Por qué {demand} no puede esperar", "Why {demand} cannot wait"),
        ("{topic} y la democracia que queremos construir",
         "{topic} and the democracy we want to build"),
        ("Carta abierta a {institution} sobre {issue}",
         "Open letter to {institution} on {issue}"),
        ("Lo que {issue} nos enseña", "What {issue} teaches us"),
    ],
    "analysis": [
        ("Claves para entender {issue}", "Keys to understanding {issue}"),
        ("{topic} en cifras: lo que muestran {small} asambleas",
         "{topic} in figures: what {small} assemblies show"),
        ("{topic}: balance de dos años de lucha en {place}",
         "{topic}: two years of struggle in {place}"),
        ("¿Qué hay detrás de {issue}?", "What lies behind {issue}?"),
    ],
    "communiques": [
        ("Comunicado de {org} sobre {issue}", "Statement by {org} on {issue}"),
        ("Pronunciamiento ante {issue}", "Declaration on {issue}"),
        ("{org} convoca a asamblea abierta por {demand}",
         "{org} calls an open assembly for {demand}"),
    ],
    "international": [
        ("Desde {abroad}, solidaridad con {actors} de {place}",
         "From {abroad}, solidarity with {actors} in {place}"),
        ("Encuentro en {abroad} discute {topic} en Venezuela",
         "Meeting in {abroad} discusses {topic} in Venezuela"),
        ("Organizaciones de {abroad} se pronuncian sobre {issue}",
         "Organisations in {abroad} speak out on {issue}"),
    ],
    "movements": [
        ("{actors} de {place} construyen su propia agenda", "{actors} in {place} set their own "
         "agenda"),
        ("Crónica de una asamblea: {actors} frente a {issue}",
         "Chronicle of an assembly: {actors} and {issue}"),
        ("Diez años de organización en {place}: {actors} hacen balance",
         "Ten years of organising in {place}: {actors} take stock"),
    ],
}

LEDES: list[Pair] = [
    ("{actors} de {place} llevan {weeks} semanas reclamando {demand}. Denuncian que {issue} "
     "afecta a más de {number} familias.",
     "{actors} in {place} have spent {weeks} weeks calling for {demand}. They say {issue} "
     "affects more than {number} families."),
    ("Una asamblea de {number} personas aprobó un documento que será entregado a "
     "{institution}.", "An assembly of {number} people approved a document to be handed to "
     "{institution}."),
    ("{issue} no es un problema técnico sino político, sostienen {actors} de {place}.",
     "{issue} is not a technical problem but a political one, say {actors} in {place}."),
    ("Desde {month}, {actors} de {place} se reúnen cada semana para discutir {issue} y "
     "preparar una propuesta propia.", "Since {month}, {actors} in {place} have met weekly "
     "to discuss {issue} and draft their own proposal."),
    ("Publicamos el documento completo para el debate: qué pasó, qué pedimos y cómo "
     "seguimos.", "We publish the full document for debate: what happened, what we ask for "
     "and where we go from here."),
    ("Tras meses de silencio de {institution}, {actors} deciden hablar con su propia voz.",
     "After months of silence from {institution}, {actors} decide to speak for themselves."),
]

SENTENCES: list[Pair] = [
    ("Según {actors}, {issue} se agravó desde {month}.",
     "According to {actors}, {issue} has worsened since {month}."),
    ("La asamblea acordó exigir {demand} y hacer seguimiento cada semana.",
     "The assembly agreed to call for {demand} and to follow it up every week."),
    ("Hasta ahora, {institution} no ha dado una respuesta por escrito.",
     "So far {institution} has given no written answer."),
    ("Quienes participaron insisten en que la solución no puede venir solo de arriba.",
     "Those who took part insist the solution cannot come from above alone."),
    ("El problema no es nuevo: {issue} se viene denunciando desde hace años.",
     "The problem is not new: {issue} has been denounced for years."),
    ("En {place} la gente ya no espera; se organiza.",
     "In {place} people no longer wait; they organise."),
    ("La reunión duró más de {hours} horas y hubo desacuerdos, como debe ser.",
     "The meeting lasted more than {hours} hours and there were disagreements, as there "
     "should be."),
    ("Las mujeres, como casi siempre, sostienen la mayor parte del trabajo organizativo.",
     "Women, as nearly always, carry most of the organising work."),
    ("Varios voceros pidieron no repetir los errores de procesos anteriores.",
     "Several spokespeople asked not to repeat the mistakes of earlier efforts."),
    ("El documento fue discutido punto por punto y aprobado por mayoría.",
     "The document was discussed point by point and approved by majority."),
    ("La comisión designada presentará un informe en {weeks} semanas.",
     "The committee appointed will report back in {weeks} weeks."),
    ("Para {actors}, {demand} es una cuestión de dignidad.",
     "For {actors}, {demand} is a matter of dignity."),
    ("Nadie en la asamblea defendió esperar sin hacer nada.",
     "No one in the assembly argued for waiting and doing nothing."),
    ("La convocatoria circuló por mensajería, radio comunitaria y de boca en boca.",
     "The call went round by messaging apps, community radio and word of mouth."),
    ("También se discutió cómo financiar la movilización sin depender de nadie.",
     "They also discussed how to fund the mobilisation without depending on anyone."),
    ("Las cifras oficiales no coinciden con lo que se vive en los barrios.",
     "Official figures do not match what people live in the barrios."),
    ("{institution} prometió una mesa de trabajo que nunca se instaló.",
     "{institution} promised a working group that never met."),
    ("Muchos jóvenes se fueron del país; los que quedan cargan con más tareas.",
     "Many young people have left the country; those who stay take on more."),
    ("La propuesta incluye mecanismos de control y rendición de cuentas.",
     "The proposal includes oversight and accountability mechanisms."),
    ("Hubo críticas a la dirigencia, pero también autocrítica.",
     "There was criticism of the leadership, but also self-criticism."),
    ("La experiencia de {place} muestra que otra forma de gestión es posible.",
     "The experience of {place} shows that another way of running things is possible."),
    ("Las organizaciones presentes firmaron un acta común.",
     "The organizations present signed a joint record."),
    ("El debate sigue abierto y estas páginas están disponibles para las respuestas.",
     "The debate remains open and these pages are available for replies."),
    ("Los testimonios recogidos coinciden en lo esencial.",
     "The testimonies gathered agree on the essentials."),
    ("Se acordó una nueva jornada de protesta para la última semana de {month}.",
     "A new day of protest was agreed for the last week of {month}."),
    ("No se trata de pedir favores sino de exigir derechos.",
     "This is not about asking for favours but about demanding rights."),
    ("Los números ayudan, pero las historias de cada familia explican más.",
     "Numbers help, but each family's story explains more."),
    ("En paralelo, la comunidad levantó un censo propio casa por casa.",
     "Meanwhile the community carried out its own house-by-house census."),
]

HEADINGS: list[Pair] = [
    ("Antecedentes", "Background"), ("Lo que está en juego", "What is at stake"),
    ("Las propuestas de la asamblea", "The assembly's proposals"),
    ("Próximos pasos", "Next steps"), ("Voces desde {place}", "Voices from {place}"),
    ("Qué dicen las cifras", "What the figures say"), ("El contexto", "The context"),
    ("Una mirada crítica", "A critical look"), ("Lo que pedimos", "What we ask for"),
    ("Cómo llegamos aquí", "How we got here"), ("Para el debate", "For debate"),
]

LIST_INTROS: list[Pair] = [
    ("Entre las exigencias aprobadas en asamblea:", "Among the demands approved by the "
     "assembly:"),
    ("El documento plantea:", "The document calls for:"),
    ("Lo que pedimos, en concreto:", "What we ask for, specifically:"),
    ("Los puntos acordados fueron:", "The points agreed were:"),
]

STEPS: list[Pair] = [
    ("Entregar el documento a {institution} el {day} de {month}.",
     "Hand the document to {institution} on {day} {month}."),
    ("Convocar una asamblea abierta en {place}.", "Call an open assembly in {place}."),
    ("Publicar un informe de seguimiento en {weeks} semanas.",
     "Publish a follow-up report in {weeks} weeks."),
    ("Coordinar con otras organizaciones de la región.",
     "Coordinate with other organizations in the region."),
    ("Difundir el acta por la radio comunitaria.", "Broadcast the minutes on community radio."),
]

QUOTES: list[Pair] = [
    ("No pedimos favores: pedimos lo que la ley ya reconoce.",
     "We are not asking for favours: we ask for what the law already recognises."),
    ("Aquí nadie se va a cansar. Llevamos años en esto y seguimos.",
     "Nobody here is going to tire. We have been at this for years and we carry on."),
    ("Si no nos organizamos nosotros, nadie lo va a hacer por nosotros.",
     "If we do not organise ourselves, no one will do it for us."),
    ("Queremos que nos escuchen antes de decidir sobre nuestras vidas.",
     "We want to be heard before they decide about our lives."),
    ("La crítica también es una forma de compromiso.",
     "Criticism is also a form of commitment."),
    ("Lo que se decide en asamblea se respeta.", "What the assembly decides is respected."),
]

LINK_SENTENCES: list[Pair] = [
    ("El documento completo puede leerse [aquí]({url}).",
     "The full document can be read [here]({url})."),
    ("Más contexto en [esta referencia]({url}).", "More background in [this reference]({url})."),
    ("Ver también: [{topic}]({url}).", "See also: [{topic}]({url})."),
]
DOCUMENT_URL = "https://documentos.example.org/{year}/{key}-{number}.pdf"

TABLE_HEADERS: Pair = ("| Mes | Asistentes | Acuerdos |\n|---|---:|---:|",
                       "| Month | Attendance | Agreements |\n|---|---:|---:|")

SIGNATURES: list[Pair] = [
    ("{place}, {day} de {month} de {year}", "{place}, {day} {month} {year}"),
    ("Aprobado en asamblea. {place}, {month} de {year}",
     "Approved in assembly. {place}, {month} {year}"),
]

HIDDEN_REASONS: list[Pair] = [
    ("Repite casi textualmente un artículo publicado antes por otra persona.",
     "It repeats almost word for word an article published earlier by someone else."),
    ("Incluye datos personales de una vecina sin su consentimiento.",
     "It includes a resident's personal details without her consent."),
    ("Afirma hechos graves sin ninguna fuente; la autora puede enviar una versión "
     "corregida.", "It states serious facts without any source; the author may send "
     "a corrected version."),
    ("Contiene insultos dirigidos a una persona concreta.",
     "It contains insults aimed at a specific person."),
    ("Es publicidad comercial, no un aporte al debate.",
     "It is commercial advertising, not a contribution to the debate."),
]
REJECT_REASONS = ["spam: enlaces a casinos", "spam: venta de divisas", "spam repetido"]

# Rejected submissions are spam: they never reach readers, but editors see them.
SPAM_TITLES = [
    "Compra y venta de divisas al mejor precio", "Gana dinero desde tu casa sin invertir",
    "Préstamos inmediatos sin requisitos", "Apuestas deportivas con bono de bienvenida",
]
SPAM_BODY = (
    "Escríbenos ya y recibe tu bono. **Oferta por tiempo limitado.**\n\n"
    "- Atención inmediata\n- Sin requisitos\n- Pagos el mismo día\n\n"
    "Más información [aquí](https://ofertas.example.net/{number})."
)


# --- Filling the templates -------------------------------------------------------
# The writer lives beside its templates: every random draw below is made the same
# way whatever the language, so one text_seed gives an article and its translation.


_CONTRACTION = re.compile(r"\b(a|de) el\b")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    def __init__(self, seed: int, language: str, topic: Topic, org: str | None,
                 year: int) -> None:
        rng = self.rng = random.Random(seed)
        self.i = 1 if language == "en" else 0
        self.topic = topic
        self.slots: dict[str, object] = {
            "place": rng.choice(PLACES), "abroad": rng.choice(PLACES_ABROAD)[self.i],
            "topic": topic.name[self.i], "org": org or "", "year": year,
            "actors": rng.choice(topic.actors)[self.i], "issue": rng.choice(topic.issues)[self.i],
            "institution": rng.choice(topic.institutions)[self.i],
        }
        self.redraw()
        self.used: set[int] = set()

    def redraw(self) -> None:
        """New numbers and a new demand for each paragraph, so sentences vary."""
        rng = self.rng
        self.slots.update(
            number=rng.randint(12, 950), weeks=rng.randint(2, 16), day=rng.randint(1, 28),
            small=rng.randint(3, 30), hours=rng.randint(2, 12),
            month=rng.choice(MONTHS)[self.i], demand=rng.choice(self.topic.demands)[self.i],
        )

    def fill(self, pair: Pair, cap: bool = True, **extra: object) -> str:
        text = pair[self.i].format(**self.slots, **extra)
        if self.i == 0:  # "a el ministerio" -> "al ministerio"; "El Tigre" keeps its capital
            text = _CONTRACTION.sub(r"\1l", text)
        return _cap(text) if cap else text

    def sentence(self) -> str:
        pool = SENTENCES + self.topic.facts
        free = [n for n in range(len(pool)) if n not in self.used] or list(range(len(pool)))
        pick = self.rng.choice(free)
        self.used.add(pick)
        return self.fill(pool[pick])

    def paragraph(self, link: bool) -> str:
        self.redraw()
        sentences = [self.sentence() for _ in range(self.rng.randint(2, 5))]
        if self.rng.random() < 0.25:
            sentences[0] = f"**{sentences[0]}**"
        if link:
            sentences.append(self.link())
        return " ".join(sentences)

    def link(self) -> str:
        rng, topic = self.rng, self.topic
        if topic.links and rng.random() < 0.5:
            url = rng.choice(topic.links)[self.i]
        else:
            url = DOCUMENT_URL.format(year=self.slots["year"], key=topic.key,
                                      number=rng.randint(100, 999))
        return self.fill(rng.choice(LINK_SENTENCES), url=url)

    def demands_list(self) -> str:
        items = self.rng.sample(self.topic.demands, k=min(len(self.topic.demands),
                                                          self.rng.randint(3, 5)))
        intro = self.fill(self.rng.choice(LIST_INTROS))
        return intro + "\n\n" + "\n".join(f"- {_cap(item[self.i])}." for item in items)

    def steps_list(self) -> str:
        steps = self.rng.sample(STEPS, k=self.rng.randint(3, len(STEPS)))
        return "\n".join(f"{n}. {self.fill(step)}" for n, step in enumerate(steps, 1))

    def quote(self) -> str:
        rng = self.rng
        person = f"{rng.choice(FIRST_NAMES_ES)} {rng.choice(LAST_NAMES_ES)}"
        voice = self.fill(rng.choice(self.topic.voices), cap=False)
        return f"> {self.fill(rng.choice(QUOTES))}\n>\n> — {person}, {voice}"

    def table(self) -> str:
        months = sorted(self.rng.sample(range(12), k=3))
        rows = [f"| {_cap(MONTHS[m][self.i])} | {self.rng.randint(20, 400)} | "
                f"{self.rng.randint(2, 12)} |" for m in months]
        return "\n".join([TABLE_HEADERS[self.i], *rows])

    def body(self, section: str) -> str:
        rng = self.rng
        count = rng.randint(3, 10)
        every = rng.choice([2, 3])
        headings = rng.sample(HEADINGS, k=len(HEADINGS))
        # Each extra (with its odds) after a different paragraph, so they don't pile up.
        odds = {"list": 0.7, "steps": 0.35, "quote": 0.6, "table": 0.12}
        spots = rng.sample(range(count), k=min(count, len(odds)))
        extras = {name: spots[n % len(spots)] if rng.random() < p else -1
                  for n, (name, p) in enumerate(odds.items())}
        link_at = rng.randrange(count) if rng.random() < 0.85 else -1
        blocks: list[str] = []
        for n in range(count):
            if n and n % every == 0:
                level = "###" if rng.random() < 0.2 else "##"
                blocks.append(f"{level} {self.fill(headings[(n // every) % len(headings)])}")
            blocks.append(self.paragraph(link=n == link_at))
            if n == extras["list"]:
                blocks.append(self.demands_list())
            if n == extras["steps"]:
                blocks.append(self.steps_list())
            if n == extras["quote"]:
                blocks.append(self.quote())
            if n == extras["table"]:
                blocks.append(self.table())
        if section == "communiques":
            signature = self.fill(rng.choice(SIGNATURES))
            org = self.slots["org"]
            blocks.append(f"**{org}**  \n{signature}" if org else signature)
        return "\n\n".join(blocks) + "\n"


def compose(seed: int, language: str, topic: Topic | None, section: str,
            org: str | None, year: int) -> tuple[str, str, str]:
    """Title, summary and Markdown body of one article (or of a spam submission)."""
    if topic is None:
        rng = random.Random(seed)
        title = rng.choice(SPAM_TITLES)
        return title, title + ". Escríbenos hoy.", SPAM_BODY.format(number=rng.randint(100, 999))
    writer = _Writer(seed, language, topic, org, year)
    # Only an article signed by an organization may speak in its name.
    titles = [t for t in TITLES.get(section, TITLES["news"]) if org or "{org}" not in t[0]]
    title = writer.fill(writer.rng.choice(titles))
    lede = writer.fill(writer.rng.choice(LEDES))
    return title, lede, writer.body(section)
